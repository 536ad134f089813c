"""The retrieval-quality evaluation set: three generated multi-page documents and 47 questions, each with
the page that answers it. 16 of them (a third) are paraphrased away from the page's words: they share
no content word with the sentence that answers them ("how do I cancel my subscription?" for a page
about "terminating the membership"), so keyword search alone cannot find them.

`pdf_bytes(document)` renders a document with fpdf2, one text block per page, the way a user's PDF
reaches the indexer; the bench and the tests index these PDFs through the real pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EvalDocument:
    name: str
    pages: tuple[str, ...]


@dataclass(frozen=True)
class EvalQuestion:
    document: str
    page: int
    question: str
    paraphrased: bool


THERMOSTAT = EvalDocument(
    "aurora-x200-guide.pdf",
    (
        # 1
        "Aurora X200 smart thermostat user guide. This guide covers installation, scheduling, energy "
        "reports, maintenance and warranty. Read the safety notes before you begin. Keep this guide "
        "with the device for later reference.",
        # 2
        "Installation. Switch off the heating system at the fuse box before removing the old thermostat. "
        "Label each wire with the stickers supplied in the box. Mount the back plate with the two screws "
        "provided and connect the labelled wires to the matching terminals. The C wire is required for "
        "continuous power.",
        # 3
        "Battery and power. The Aurora X200 runs on two AA lithium batteries when no C wire is present. "
        "A fresh pair of batteries lasts about 14 months. The display shows a low battery warning three "
        "weeks before the batteries run out.",
        # 4
        "Scheduling. You can program up to six temperature periods per day. The eco schedule lowers the "
        "setpoint by 3 degrees while nobody is home. Geofencing uses the phone app to detect when the "
        "last person leaves the house.",
        # 5
        "Wi-Fi and the app. The thermostat connects to 2.4 GHz wireless networks only. Hold the menu "
        "button for ten seconds to start pairing mode. Firmware updates install automatically at 3 a.m. "
        "when an update is available.",
        # 6
        "Energy reports. Every month the app shows a report comparing your heating hours with the "
        "previous month. Households typically save 12 percent on heating bills in the first year. "
        "Reports can be exported as CSV files.",
        # 7
        "Cleaning and maintenance. Wipe the screen with a dry microfibre cloth; never use solvents or "
        "spray cleaners. The air filter reminder appears every 90 days. Dust the temperature sensor "
        "vents twice a year.",
        # 8
        "Warranty and pricing. The Aurora X200 costs 189 euros including VAT. It comes with a three-year "
        "limited warranty covering manufacturing defects. Water damage and cracked screens are not "
        "covered. Keep your receipt as proof of purchase.",
    ),
)

MEMBERSHIP = EvalDocument(
    "summit-gym-membership-terms.pdf",
    (
        # 1
        "Summit Gym membership terms. These terms apply to all Summit Gym clubs. By signing up you agree "
        "to the club rules and the payment terms described here.",
        # 2
        "Membership plans. The Basic plan gives access to one club during staffed hours for 29 euros a "
        "month. The Premium plan costs 49 euros a month and includes every club, group classes and "
        "the sauna. Students receive a 20 percent discount on either plan.",
        # 3
        "Payments. Fees are collected by direct debit on the first working day of each month. A failed "
        "direct debit incurs a 10 euro administration charge. Members who fall two payments behind "
        "have their access card blocked until the balance is settled.",
        # 4
        "Terminating the membership. Either party may end the agreement with one month's written "
        "notice. Notice must be given through the member portal or by registered letter. Fees already "
        "paid for the current month are not returned.",
        # 5
        "Freezing. Members may pause their plan for up to three months per year for medical reasons or "
        "travel. A medical certificate is needed for pauses longer than four weeks. No fees are charged "
        "while the plan is paused.",
        # 6
        "Guests. Premium members may bring one guest per visit, up to four visits a month. Guests must "
        "be at least 18 years old and show photo identification at reception.",
        # 7
        "Opening hours. Clubs are open from 6 a.m. to 11 p.m. on weekdays and from 8 a.m. to 8 p.m. at "
        "weekends. On public holidays the clubs close at 4 p.m. Staffed hours are 9 a.m. to 9 p.m.",
        # 8
        "Lockers and lost property. Day lockers are free and must be emptied before closing. Items left "
        "behind are kept at reception for 30 days and then given to charity. The club is not liable "
        "for valuables left in lockers.",
    ),
)

HANDBOOK = EvalDocument(
    "northwind-employee-handbook.pdf",
    (
        # 1
        "Northwind Traders employee handbook. Welcome to the team. This handbook explains working hours, "
        "leave, expenses, equipment and conduct. Ask the people team if anything is unclear.",
        # 2
        "Working hours. The standard week is 37.5 hours. Core hours are 10 a.m. to 3 p.m.; outside "
        "them you may arrange your day flexibly with your manager. Overtime must be approved in advance.",
        # 3
        "Annual leave. Full-time employees receive 27 days of annual leave plus public holidays. Up to "
        "five unused days may be carried into the next year. Leave requests need two weeks of notice.",
        # 4
        "Sickness absence. Tell your manager before 9:30 a.m. on the first day of illness. A doctor's "
        "note is required after seven calendar days. Full pay continues for up to 12 weeks of sickness "
        "in any year.",
        # 5
        "Expenses. Claims must be submitted within 60 days with itemised receipts. Rail travel is "
        "reimbursed at standard class. The hotel limit is 140 pounds per night in London and 100 "
        "pounds elsewhere.",
        # 6
        "Equipment. Every employee receives a laptop and a headset on the first day. Lost or stolen "
        "devices must be reported to the IT service desk within 24 hours. Personal software must not "
        "be installed on company laptops.",
        # 7
        "Remote work. Employees may work from home up to three days a week. A 300 pound allowance is "
        "paid once to set up a home office. Working from abroad needs written approval from the people "
        "team.",
        # 8
        "Parental leave. Birth parents receive 26 weeks of leave on full pay. Partners receive six "
        "weeks on full pay, to be taken within a year of the birth or adoption.",
    ),
)

DOCUMENTS = (THERMOSTAT, MEMBERSHIP, HANDBOOK)

_T, _M, _H = THERMOSTAT.name, MEMBERSHIP.name, HANDBOOK.name
QUESTIONS: tuple[EvalQuestion, ...] = (
    # ---- the thermostat guide: worded like the page ----
    EvalQuestion(_T, 2, "Which wire is required for continuous power?", False),
    EvalQuestion(_T, 2, "How do I mount the back plate when installing the thermostat?", False),
    EvalQuestion(_T, 3, "How long do the AA lithium batteries last?", False),
    EvalQuestion(_T, 3, "When does the low battery warning appear?", False),
    EvalQuestion(_T, 4, "How many temperature periods per day can I program?", False),
    EvalQuestion(_T, 4, "How much does the eco schedule lower the setpoint?", False),
    EvalQuestion(_T, 5, "Which wireless networks does the thermostat connect to?", False),
    EvalQuestion(_T, 5, "When do firmware updates install?", False),
    EvalQuestion(_T, 6, "Can energy reports be exported as CSV files?", False),
    EvalQuestion(_T, 7, "How often does the air filter reminder appear?", False),
    EvalQuestion(_T, 8, "How much does the Aurora X200 cost?", False),
    EvalQuestion(_T, 8, "Is water damage covered by the warranty?", False),
    # ---- the thermostat guide: paraphrased ----
    EvalQuestion(_T, 3, "How often will I need new cells?", True),
    EvalQuestion(_T, 5, "How do I link my phone to it?", True),
    EvalQuestion(_T, 6, "Will it reduce what I spend?", True),
    EvalQuestion(_T, 7, "Which products are safe on the display?", True),
    EvalQuestion(_T, 8, "What happens if the glass breaks?", True),
    # ---- the membership terms: worded like the page ----
    EvalQuestion(_M, 2, "How much does the Premium plan cost a month?", False),
    EvalQuestion(_M, 2, "Do students receive a discount?", False),
    EvalQuestion(_M, 3, "What is the charge for a failed direct debit?", False),
    EvalQuestion(_M, 3, "When is my access card blocked?", False),
    EvalQuestion(_M, 4, "How much written notice is needed to end the agreement?", False),
    EvalQuestion(_M, 5, "For how many months per year may members pause their plan?", False),
    EvalQuestion(_M, 6, "How many guests may Premium members bring?", False),
    EvalQuestion(_M, 7, "When do the clubs close on public holidays?", False),
    EvalQuestion(_M, 8, "How long are items left behind kept at reception?", False),
    # ---- the membership terms: paraphrased ----
    EvalQuestion(_M, 4, "How do I cancel my subscription?", True),
    EvalQuestion(_M, 4, "Will I get my money back if I quit halfway?", True),
    EvalQuestion(_M, 5, "Can I put things on hold while I'm injured?", True),
    EvalQuestion(_M, 6, "Can I come with a friend?", True),
    EvalQuestion(_M, 3, "What happens if I miss a bill?", True),
    EvalQuestion(_M, 8, "Where can I store my bag while I train?", True),
    # ---- the handbook: worded like the page ----
    EvalQuestion(_H, 2, "What are the core hours?", False),
    EvalQuestion(_H, 2, "Does overtime need approval in advance?", False),
    EvalQuestion(_H, 3, "How many days of annual leave do full-time employees receive?", False),
    EvalQuestion(_H, 3, "How many unused leave days may be carried into the next year?", False),
    EvalQuestion(_H, 4, "When is a doctor's note required?", False),
    EvalQuestion(_H, 5, "What is the hotel limit per night in London?", False),
    EvalQuestion(_H, 5, "Within how many days must expense claims be submitted?", False),
    EvalQuestion(_H, 6, "Who do I report a lost laptop to?", False),
    EvalQuestion(_H, 7, "How many days a week may employees work from home?", False),
    EvalQuestion(_H, 8, "How many weeks of leave do birth parents receive?", False),
    # ---- the handbook: paraphrased ----
    EvalQuestion(_H, 3, "How much vacation do I get?", True),
    EvalQuestion(_H, 4, "What do I do if I'm unwell and can't come in?", True),
    EvalQuestion(_H, 8, "How much time off do new mothers get?", True),
    EvalQuestion(_H, 6, "My computer was taken, what now?", True),
    EvalQuestion(_H, 7, "Can I do my job from the beach in Spain?", True),
)


def pdf_bytes(document: EvalDocument) -> bytes:
    """The document as a PDF (fpdf2, core font), one page per entry."""
    from fpdf import FPDF  # noqa: PLC0415 - a test and bench dependency only

    pdf = FPDF()
    pdf.set_title(document.name.removesuffix(".pdf"))
    for text in document.pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 7, text)
    return bytes(pdf.output())
