import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { Robot } from '@dtbot/shared';
import { answerFrame, type FrameDeps, type FrameOutcome } from './answer-frame.js';
import { ROBOT_MESSAGE_TOPIC, streamFrameSchema, type StreamFrame } from './stream-frames.js';

export interface LivenessOptions {
  /** A WebSocket ping goes out this often; default 10 s. */
  pingIntervalMs?: number;
  /** A ping without its pong within this long means the socket is dead; default 5 s. */
  pongTimeoutMs?: number;
  /** Closing waits this long for the server's close frame before cutting the socket; default 2 s. */
  closeTimeoutMs?: number;
}

/** Why a socket ended: closed by either side, found dead by the liveness check, or a socket error. */
export type SocketEnd = 'closed' | 'dead' | 'error';

export interface SocketOwner {
  /** DingTalk announced that it rotates this connection. */
  onDisconnect(socket: StreamSocket, reason: string): void;
  onClose(socket: StreamSocket, end: SocketEnd, code: number): void;
}

const FRAME_TYPES = new Set(['CALLBACK', 'EVENT', 'SYSTEM']);

/**
 * One open Stream WebSocket of one robot. Frames are answered concurrently; each ACK goes out on
 * the socket its frame came in on, even while the robot's next connection is already up.
 */
export class StreamSocket {
  readonly openedAt = Date.now();
  /** DingTalk sent `disconnect` on it: it is being replaced. */
  rotating = false;
  private takingFrames = true;
  private retiring: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly pinger: NodeJS.Timeout;
  private pongDeadline: NodeJS.Timeout | undefined;
  private end: SocketEnd = 'closed';
  private readonly closed: Promise<void>;
  private readonly closeTimeoutMs: number;

  constructor(
    private readonly ws: WebSocket,
    readonly robot: Robot,
    private readonly deps: FrameDeps,
    private readonly owner: SocketOwner,
    options: LivenessOptions = {},
  ) {
    const pongTimeoutMs = options.pongTimeoutMs ?? 5000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    ws.on('message', (raw) => this.receive(raw.toString()));
    ws.on('pong', () => {
      clearTimeout(this.pongDeadline);
      this.pongDeadline = undefined;
    });
    ws.on('error', (error) => {
      this.end = 'error';
      deps.logger.warn({ robotCode: robot.robotCode, err: error.message }, 'stream socket error');
      ws.terminate();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code) => {
        clearInterval(this.pinger);
        clearTimeout(this.pongDeadline);
        owner.onClose(this, this.end, code);
        resolve();
      });
    });
    this.pinger = setInterval(() => {
      if (this.pongDeadline !== undefined) return;
      this.pongDeadline = setTimeout(() => {
        // No pong: the peer or the path to it is gone without a word.
        this.end = 'dead';
        ws.terminate();
      }, pongTimeoutMs);
      ws.ping();
    }, options.pingIntervalMs ?? 10_000);
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Closes the socket once every frame it received is answered. For a rotation it keeps taking
   * frames until then; for a shutdown it takes no new robot message (unACKed, DingTalk pushes it
   * again, to another gateway).
   */
  retire(reason: 'rotation' | 'shutdown'): Promise<void> {
    if (reason === 'shutdown') this.takingFrames = false;
    // Once: a shutdown during a rotation waits for the same close.
    this.retiring ??= this.drainAndClose(reason);
    return this.retiring;
  }

  private async drainAndClose(reason: 'rotation' | 'shutdown'): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(1000, reason === 'rotation' ? 'rotated' : 'shutting down');
    }
    if (this.ws.readyState === WebSocket.CLOSED) return;
    // A peer that never completes the closing handshake does not hold the shutdown.
    const cut = setTimeout(() => this.ws.terminate(), this.closeTimeoutMs);
    await this.closed;
    clearTimeout(cut);
  }

  private receive(text: string): void {
    const receivedAt = performance.now();
    const frame = readFrame(text);
    this.deps.metrics.streamFrames.inc({ type: !frame ? 'malformed' : FRAME_TYPES.has(frame.type) ? frame.type : 'other' });
    if (!frame) {
      this.deps.logger.warn({ robotCode: this.robot.robotCode, length: text.length }, 'stream frame is not a frame; ignored');
      return;
    }
    if (!this.takingFrames && frame.type === 'CALLBACK') return;
    const work = answerFrame(this.deps, this.robot, frame).then((outcome) => this.act(outcome, frame, receivedAt));
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private act(outcome: FrameOutcome, frame: StreamFrame, receivedAt: number): void {
    if (outcome.kind === 'disconnect') {
      this.rotating = true;
      this.owner.onDisconnect(this, outcome.reason);
      return;
    }
    if (outcome.kind === 'no_ack') return;
    if (this.ws.readyState !== WebSocket.OPEN) {
      // Stored, but DingTalk will not hear it here: its redelivery is found stored and ACKed then.
      this.deps.logger.warn({ robotCode: this.robot.robotCode, messageId: frame.headers.messageId }, 'stream ACK not sent: socket closed');
      return;
    }
    this.ws.send(outcome.ack);
    if (frame.headers.topic === ROBOT_MESSAGE_TOPIC) {
      this.deps.metrics.streamAckSeconds.observe((performance.now() - receivedAt) / 1000);
    }
  }
}

function readFrame(text: string): StreamFrame | undefined {
  try {
    return streamFrameSchema.safeParse(JSON.parse(text)).data;
  } catch {
    return undefined;
  }
}
