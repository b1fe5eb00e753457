/**
 * What a caller of the sign-in service (sign-in-service.ts) gives it and is
 * told: how the person is reached (a listener, a browser, pasted lines) and
 * the events to show them. The CLI words them for a terminal; the dashboard
 * has a web page of its own.
 *
 * @module
 */
import type { SignInInfo } from "./ports.ts";

/** What a callback request made of the sign-in, for the page the browser shows. */
export interface CallbackOutcome {
  ok: boolean;
  /** One line for the person; never a token or code. */
  message: string;
}

/** Where the loopback callback is to be served. */
export interface ListenRequest {
  /** 127.0.0.1, or the redirect URI's own 127.x.y.z. */
  address: string;
  /** 0: any free port. */
  port: number;
  /** Also on [::1] at the same port: a browser sent to `localhost` tries ::1 first. */
  bothLoopbacks: boolean;
  /** The callback path (default /callback). */
  path?: string;
  /** The loopback redirect URI the person gave, whose host the listener must accept. */
  redirectUri?: string;
}

/** What the person is told, as events; the caller words and shows them. */
export type SignInEvent =
  | { type: "open"; server: string; url: string }
  | { type: "paste"; prefix: string; timeoutMs: number }
  | { type: "paste-rejected"; prefix: string }
  | { type: "paste-failed"; message: string }
  | { type: "waiting"; deadline: number }
  | {
    type: "device";
    server: string;
    verificationUri: string;
    verificationUriComplete?: string;
    userCode: string;
    expiresAt: number;
  }
  | { type: "joining"; server: string; holder: SignInInfo }
  | { type: "retrying"; message: string };

/** How a sign-in reaches the person and the browser. */
export interface SignInCapabilities {
  /**
   * Serve the callback on loopback; each request that reaches it is handed
   * to `onCallback`. Rejects when the port is taken.
   */
  listen(
    request: ListenRequest,
    onCallback: (url: URL) => Promise<CallbackOutcome>,
  ): Promise<{ port: number; close(): Promise<void> }>;
  /** Open `url` in a browser if there is one to open; the result is closed when the flow ends. */
  openBrowser(url: string, flow: "browser" | "device"): Promise<{ close(): Promise<void> }>;
  /** Lines the person pastes (the address the browser was sent to); absent: nothing is read. */
  pasted?(): AsyncIterable<string>;
  /** Tell the person; the returned function, if any, is called when the sign-in ends. */
  notify(event: SignInEvent): void | (() => void);
}

/** What the caller asks for. */
export interface SignInRequest {
  /** Listen on this port (`--port`). */
  port?: number;
  /** A loopback redirect URI to register and listen on. */
  redirect?: { uri: string; port: number; path: string };
  /** A relay's redirect URI: registered and sent to the AS; it forwards to our listener. */
  relayUri?: string;
  timeoutS: number;
  scopes?: string[];
  clientId?: string;
  clientSecret?: string;
  clientMetadataUrl?: string;
  /** The device authorization grant (RFC 8628) instead of a browser redirect. */
  device?: boolean;
  /** The scopes come from a step-up: they are not remembered as the person's. */
  stepUp?: boolean;
  /** No browser: the person opens the URL elsewhere and pastes the redirect address back. */
  pasteOnly?: boolean;
}
