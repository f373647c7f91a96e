import WebSocket from 'ws';
import { robotMetricLabel, sleep, type ProxyRules, type Robot } from '@dtbot/shared';
import type { FrameDeps } from './answer-frame.js';
import { ReconnectBackoff, type BackoffOptions } from './reconnect-backoff.js';
import { requestStreamEndpoint, StreamOpenError } from './request-stream-endpoint.js';
import { StreamSocket, type LivenessOptions, type SocketEnd } from './stream-socket.js';
import { webSocketAgent } from './web-socket-agent.js';

export interface RobotStreamDeps extends FrameDeps {
  /** `DINGTALK_API_BASE_URL`, where `connections/open` is asked. */
  apiBaseUrl: string;
  /** `connections/open` is asked with it: through the configured proxy, if any. Default: Node's `fetch`. */
  fetch?: typeof fetch;
  /** Which proxy the WebSocket tunnels through, if any. */
  proxy?: ProxyRules;
}

export interface RobotStreamOptions {
  liveness?: LivenessOptions;
  backoff?: BackoffOptions;
  /** A connection that stayed up this long was healthy: the next failure waits 1 s again. Default 30 s. */
  healthyAfterMs?: number;
  /** Longest wait for `connections/open`, and then for the WebSocket handshake; default 10 s. */
  connectTimeoutMs?: number;
}

/** Stream frames are small; this only stops a runaway peer from filling the memory. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * The Stream connection of one robot, kept open for as long as the gateway runs. A planned
 * `disconnect` opens the next connection at once and keeps the old socket until the new one is up
 * (its frames are still answered on it); a lost or dead socket, or a failed connect, is retried
 * with a fresh ticket after a growing, jittered wait.
 */
export class RobotStream {
  private readonly sockets = new Set<StreamSocket>();
  private current: StreamSocket | undefined;
  /** A connect is under way (cleared the moment its socket is adopted). */
  private connecting = false;
  private connectLoops = new Set<Promise<void>>();
  private stopping = false;
  private readonly backoff: ReconnectBackoff;
  /** Aborted by `stop`: cuts the wait before a reconnect short. */
  private readonly stopped = new AbortController();
  private readonly credentials: { appKey: string; appSecret: string };
  private readonly label: string;
  /** Its name in the connection gauge: never the AppKey (`robotMetricLabel`). */
  private readonly metricLabel: string;

  constructor(
    readonly robot: Robot,
    private readonly deps: RobotStreamDeps,
    private readonly options: RobotStreamOptions = {},
  ) {
    if (!robot.appKey) throw new Error('a Stream connection needs the robot\'s AppKey');
    this.credentials = { appKey: robot.appKey, appSecret: robot.appSecret };
    this.label = robot.robotCode ?? robot.appKey;
    this.metricLabel = robotMetricLabel(this.label, robot.options.name);
    this.backoff = new ReconnectBackoff(options.backoff);
  }

  /** At least one of its sockets is open (during a rotation, possibly the old one only). */
  get isUp(): boolean {
    return [...this.sockets].some((socket) => socket.isOpen);
  }

  start(): void {
    this.connect('start', false);
  }

  /** Stops taking frames, waits until those in flight are ACKed, and closes every socket. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await Promise.all([...this.connectLoops]);
    await Promise.all([...this.sockets].map((socket) => socket.retire('shutdown')));
  }

  private connect(reason: string, waitFirst: boolean): void {
    if (this.connecting || this.stopping) return;
    this.connecting = true;
    const loop = this.connectLoop(reason, waitFirst).finally(() => {
      this.connectLoops.delete(loop);
    });
    this.connectLoops.add(loop);
  }

  private async connectLoop(reason: string, waitFirst: boolean): Promise<void> {
    let wait = waitFirst;
    while (!this.stopping) {
      if (wait) await sleep(this.backoff.next(), this.stopped.signal);
      if (this.stopping) break;
      try {
        // Resolves once the socket is adopted, which already ended this connect.
        await this.open(reason);
        return;
      } catch (error) {
        this.deps.metrics.streamReconnects.inc({ reason: 'open_failed' });
        const message = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn({ robotCode: this.label, reason, err: message }, 'stream connect failed; trying again after a wait');
        reason = 'open_failed';
        wait = true;
      }
    }
    this.connecting = false;
  }

  private async open(reason: string): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const url = await requestStreamEndpoint(this.credentials, { apiBaseUrl: this.deps.apiBaseUrl, timeoutMs, fetch: this.deps.fetch });
    const agent = webSocketAgent(this.deps.proxy, url);
    const ws = new WebSocket(url, {
      handshakeTimeout: timeoutMs,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      ...(agent ? { agent } : {}),
    });
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        ws.removeAllListeners();
        // A later error of this abandoned socket must not crash the process.
        ws.on('error', () => undefined);
        ws.terminate();
        reject(error);
      };
      ws.once('open', () => {
        ws.removeAllListeners();
        // At once, not after an await: a frame that came with the handshake is emitted before
        // promise callbacks run, and must find its listener.
        this.adopt(ws, reason);
        resolve();
      });
      ws.once('error', (error) => fail(error));
      ws.once('unexpected-response', (request, response) => {
        request.destroy();
        fail(new StreamOpenError(`Stream endpoint refused the ticket with HTTP ${response.statusCode ?? '?'}`));
      });
    });
  }

  private adopt(ws: WebSocket, reason: string): void {
    // Now, not when the connect loop ends: frames that came with the handshake (a disconnect
    // among them) are handled before promise callbacks run.
    this.connecting = false;
    const socket = new StreamSocket(ws, this.robot, this.deps, {
      onDisconnect: (rotating, why) => this.rotate(rotating, why),
      onClose: (closed, end, code) => this.lost(closed, end, code),
    }, this.options.liveness);
    this.sockets.add(socket);
    this.countSockets();
    this.deps.logger.info({ robotCode: this.label, reason, endpoint: new URL(ws.url).host }, 'stream connected');
    const previous = this.current;
    this.current = socket;
    if (this.stopping) void socket.retire('shutdown');
    // The socket DingTalk asked us to leave: closed once its frames are answered.
    if (previous) void previous.retire('rotation');
  }

  private rotate(socket: StreamSocket, reason: string): void {
    if (socket !== this.current || this.stopping) return;
    this.deps.metrics.streamReconnects.inc({ reason: 'disconnect' });
    this.deps.logger.info({ robotCode: this.label, reason }, 'stream disconnect from DingTalk; opening the next connection now');
    // A rotation is not a failure: no wait.
    this.connect('disconnect', false);
  }

  private lost(socket: StreamSocket, end: SocketEnd, code: number): void {
    this.sockets.delete(socket);
    this.countSockets();
    const upMs = Date.now() - socket.openedAt;
    const expected = socket !== this.current || socket.rotating || this.stopping;
    this.deps.logger.info({ robotCode: this.label, end, code, upMs, expected }, 'stream connection closed');
    if (socket !== this.current) return;
    this.current = undefined;
    if (this.stopping || socket.rotating) return;
    if (upMs >= (this.options.healthyAfterMs ?? 30_000)) this.backoff.reset();
    this.deps.metrics.streamReconnects.inc({ reason: end });
    this.connect(end, true);
  }

  private countSockets(): void {
    this.deps.metrics.streamConnections.set({ robot: this.metricLabel }, [...this.sockets].filter((socket) => socket.isOpen).length);
  }
}
