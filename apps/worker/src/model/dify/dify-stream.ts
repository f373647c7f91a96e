import { createParser, type EventSourceParser } from 'eventsource-parser';
import { DifyError } from './dify-error.js';
import { parseDifyEvent, type DifyUsage } from './dify-event.js';

/** What a finished Dify stream said: the whole answer, its conversation, and its usage. */
export interface DifyAnswer {
  answer: string;
  /** The conversation the answer belongs to (a new one when none was given). */
  conversationId: string | undefined;
  usage: DifyUsage | undefined;
}

/**
 * Reads a Dify chat app's streamed answer (server-sent events, `response_mode: "streaming"`) as its bytes arrive,
 * in chunks cut anywhere (inside an event, inside a character): the answer grows with each `message` or
 * `agent_message` event, is replaced by `message_replace`, and ends with `message_end`, which carries the usage.
 * An `error` event is a `DifyError`; a stream that stops before `message_end` is one too, without a status.
 */
export class DifyStream {
  private readonly decoder = new TextDecoder();
  private readonly parser: EventSourceParser;
  private answer = '';
  private conversationId: string | undefined;
  private usage: DifyUsage | undefined;
  private ended = false;
  private failure: DifyError | undefined;

  /** `onAnswer` is told the answer so far each time it changes. */
  constructor(private readonly onAnswer: (answer: string) => void = () => undefined) {
    this.parser = createParser({ onEvent: ({ data }) => this.take(data) });
  }

  /** Takes the next bytes of the response body; throws the stream's `error` event once it arrives. */
  push(bytes: Uint8Array): void {
    if (this.ended || this.failure) return;
    this.parser.feed(this.decoder.decode(bytes, { stream: true }));
    if (this.failure) throw this.failure;
  }

  /** The body ended: the answer, when `message_end` came. */
  finish(): DifyAnswer {
    if (!this.ended && !this.failure) {
      // A last event without its blank line still counts.
      this.parser.feed(`${this.decoder.decode()}\n\n`);
    }
    if (this.failure) throw this.failure;
    if (!this.ended) throw new DifyError(0, 'stream_cut_short');
    return { answer: this.answer, conversationId: this.conversationId, usage: this.usage };
  }

  /** What was written so far, without a usage (a stream the asker stopped ends here). */
  soFar(): DifyAnswer {
    return { answer: this.answer, conversationId: this.conversationId, usage: undefined };
  }

  private take(data: string): void {
    if (this.ended || this.failure) return;
    const event = parseDifyEvent(data);
    if (!event) return;
    if (event.event === 'error') {
      this.failure = new DifyError(event.status ?? 0, event.code ?? 'stream_error');
      return;
    }
    this.conversationId ??= event.conversation_id || undefined;
    if (event.event === 'message_end') {
      this.usage = event.metadata?.usage;
      this.ended = true;
      return;
    }
    if (event.event === 'message_replace') this.answer = event.answer;
    else if (event.answer === '') return;
    else this.answer += event.answer;
    this.onAnswer(this.answer);
  }
}
