import { lazy, Suspense, useEffect, useSyncExternalStore, type ReactNode } from "react";
import { Link, Redirect, Route, Switch, useLocation, useSearch } from "wouter";
import { navigate } from "wouter/use-browser-location";
import { handleUnauthorized } from "./api/client";
import { CALLBACK_PATH } from "./auth/hosted";
import { current, isAdmin, signOut, subscribe, user } from "./auth/session";
import { safeNext, signInPath } from "./nav";
import { SignInPage } from "./pages/signin/SignInPage";

const Dashboard = lazy(() => import("./pages/dashboard/DashboardPage"));
const Documents = lazy(() => import("./pages/documents/DocumentsPage"));
const Editor = lazy(() => import("./pages/documents/MarkdownPage"));
const Chat = lazy(() => import("./pages/chat/ChatPage"));
const Webhooks = lazy(() => import("./pages/webhooks/WebhooksPage"));
const Admin = lazy(() => import("./pages/admin/AdminPage"));
const Callback = lazy(() => import("./pages/signin/CallbackPage"));

function here(): string {
  return window.location.pathname + window.location.search;
}


handleUnauthorized(() => {
  if (!window.location.pathname.startsWith("/signin")) navigate(signInPath(here()), { replace: true });
});

function useSignedIn(): boolean {
  return useSyncExternalStore(subscribe, () => current() !== null);
}

function Title({ text }: { text: string }) {
  useEffect(() => {
    document.title = `${text} · Stratus`;
  }, [text]);
  return null;
}

function Shell({ title, children }: { title: string; children: ReactNode }) {
  const [location] = useLocation();
  const signedIn = useSignedIn();
  if (!signedIn) return <Redirect to={signInPath(here())} replace />;
  const admin = isAdmin();
  const who = user();
  const links: [string, string][] = [
    ["/", "Dashboard"],
    ["/documents", "Documents"],
    ["/chat", "Chat"],
    ["/webhooks", "Webhooks"],
    ...(admin ? ([["/admin", "Admin"]] as [string, string][]) : []),
  ];
  const active = (href: string) => (href === "/" ? location === "/" : location.startsWith(href));
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Stratus</span>
        <nav aria-label="Main">
          <ul>
            {links.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={active(href) ? "page" : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">{who?.email ?? who?.["cognito:username"]}</span>
        <button
          type="button"
          className="link"
          onClick={() => {
            void signOut().then(() => navigate("/signin", { replace: true }));
          }}
        >
          Sign out
        </button>
      </header>
      <Title text={title} />
      <main id="main" className="page" tabIndex={-1}>
        <Suspense fallback={<p role="status">Loading…</p>}>{children}</Suspense>
      </main>
    </>
  );
}

function SignIn() {
  const search = useSearch();
  const next = new URLSearchParams(search).get("next") ?? "/";
  const signedIn = useSignedIn();
  if (signedIn) return <Redirect to={safeNext(next)} replace />;
  return (
    <>
      <Title text="Sign in" />
      <SignInPage next={safeNext(next)} />
    </>
  );
}


export function App() {
  return (
    <Switch>
      <Route path="/signin" component={SignIn} />
      <Route path={CALLBACK_PATH}>
        <Suspense fallback={<p role="status">Signing in…</p>}>
          <Title text="Signing in" />
          <Callback />
        </Suspense>
      </Route>
      <Route path="/">
        <Shell title="Dashboard">
          <Dashboard />
        </Shell>
      </Route>
      <Route path="/documents/write">
        <Shell title="Write a document">
          <Editor />
        </Shell>
      </Route>
      <Route path="/documents">
        <Shell title="Documents">
          <Documents />
        </Shell>
      </Route>
      <Route path="/chat/:conversationId?">
        {(params) => (
          <Shell title="Chat">
            <Chat conversationId={params.conversationId} />
          </Shell>
        )}
      </Route>
      <Route path="/webhooks">
        <Shell title="Webhooks">
          <Webhooks />
        </Shell>
      </Route>
      <Route path="/admin">
        <Shell title="Admin">
          <AdminOnly />
        </Shell>
      </Route>
      <Route>
        <Shell title="Not found">
          <NotFound />
        </Shell>
      </Route>
    </Switch>
  );
}

/** Decided when it renders (after sign-in), not when the routes were declared. */
function AdminOnly() {
  return isAdmin() ? <Admin /> : <NotFound />;
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link href="/">Go to the dashboard</Link>.
      </p>
    </>
  );
}
