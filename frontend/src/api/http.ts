// The only code in the app that talks to the network (fetch, and XMLHttpRequest for upload progress).
// Everything else goes through api/client.ts (the REST API), auth/cognito.ts (Cognito's API) or upload().

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = "",
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | FormData | URLSearchParams;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One request; resolves with any HTTP answer, rejects only when there is no answer (network down). */
export async function send(url: string, request: HttpRequest = {}): Promise<HttpResponse> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method ?? "GET",
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new HttpError(0, "The network is unreachable: check your connection and try again.", "NetworkError");
  }
  return { status: response.status, headers: response.headers, body: await readBody(response) };
}

export async function getJson(url: string): Promise<unknown> {
  const response = await send(url);
  if (response.status !== 200) throw new HttpError(response.status, `${url} answered ${response.status}`);
  return response.body;
}

export interface UploadTarget {
  url: string;
  fields: Record<string, string>;
}

/** A browser POST to a presigned S3 URL, reporting progress (fetch cannot report upload progress). */
export function upload(
  target: UploadTarget,
  file: Blob,
  onProgress: (loaded: number, total: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
    form.append("file", file); // S3 requires the file to be the last field
    const xhr = new XMLHttpRequest();
    xhr.open("POST", target.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText)?.[1] ?? "";
        reject(new HttpError(xhr.status, `The upload was refused (${code || xhr.status}).`, code));
      }
    };
    xhr.onerror = () => reject(new HttpError(0, "The upload failed: the network is unreachable.", "NetworkError"));
    xhr.send(form);
  });
}
