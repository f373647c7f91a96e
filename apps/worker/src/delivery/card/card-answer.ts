import { sleep } from '@dtbot/shared';
import type { WorkerDeps } from '../../deps.js';
import type { RobotApp } from '../../dingtalk/dingtalk-client.js';
import type { AnswerDelivery, DeliveryLabel } from '../answer-delivery.js';
import { optionalCardCall, requiredCardCall } from './card-calls.js';
import { toCardMarkdown } from './card-markdown.js';
import { writeCardRecord, type CardRecord } from './card-record.js';
import { FLOW_STATUS, flowStatusBody, INSTANCES_PATH, STREAMING_PATH, streamingBody } from './card-requests.js';

export type CardAnswerDeps = Pick<WorkerDeps, 'redis' | 'keys' | 'logger' | 'metrics' | 'dingtalk' | 'cardBudget' | 'settings'>;

/** The card a job's text goes into, as `openCardDelivery` found or made it. */
export interface OpenCard {
  jobId: string;
  msgId: string;
  app: RobotApp;
  record: CardRecord;
  /** `answer`: the answer streams in and is finalized; `apology`: the card ends in the error state with it. */
  label: Extract<DeliveryLabel, 'answer' | 'apology'>;
  /** The template's markdown variable the text goes into (the robot's `cardContentKey`). */
  contentKey: string;
}

/**
 * A text delivered into an AI card. Drafts stream in as the model writes, at most one update per
 * `DINGTALK_CARD_UPDATE_MS` (counted from the end of the previous update, so that updates also
 * arrive that far apart), each carrying the whole text so far; a draft the budget has no room for
 * is dropped and the newest text goes out at the next chance. `finish` waits for the draft in
 * flight and the same gap, then finalizes the card with the whole answer and marks it finished;
 * an apology finalizes it with what was shown so far, the apology and the error state.
 */
export class CardAnswer implements AnswerDelivery {
  readonly via = 'card';
  readonly showsProgress: boolean;
  readonly outTrackId: string;
  private latest: () => string = () => '';
  /** A draft came since the last one was shown (or could not be). */
  private fresh = false;
  private sent: string;
  /** No update before this: the last one's end plus `DINGTALK_CARD_UPDATE_MS`. */
  private gapUntil = 0;
  /** A draft the budget had no room for tries again from here (sooner than the gap: it sent nothing). */
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly deps: CardAnswerDeps,
    private readonly card: OpenCard,
  ) {
    this.sent = card.record.shown;
    this.outTrackId = card.record.outTrackId;
    this.showsProgress = card.label === 'answer' && card.record.state === 'created';
  }

  progress(draft: () => string): void {
    if (!this.showsProgress || this.closed) return;
    this.latest = draft;
    this.fresh = true;
    this.schedule();
  }

  /**
   * Shows `text` in the card and leaves the card open for the answer, which replaces it: a queue notice while the
   * message waits. Waits for the card budget like any call that must happen. Not kept as the card's shown text, so
   * an apology that ends the card later replaces the notice instead of following it.
   */
  async hold(text: string): Promise<void> {
    if (this.card.label !== 'answer' || this.card.record.state !== 'created') return;
    const { outTrackId } = this.card.record;
    const content = toCardMarkdown(text);
    await requiredCardCall(this.deps, this.card.app, 'PUT', STREAMING_PATH, () => streamingBody(outTrackId, this.card.contentKey, content));
    this.gapUntil = Date.now() + this.deps.settings.card.updateMs;
  }

  async discard(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  async finish(text: string, ending: { stopped: boolean } = { stopped: false }): Promise<void> {
    await this.discard();
    if (this.card.label === 'answer') await this.finishAnswer(text, ending.stopped);
    else if (this.card.label === 'apology') await this.finishWithError(text);
  }

  private schedule(): void {
    if (this.closed || this.inFlight || this.timer || !this.fresh) return;
    const wait = Math.max(this.gapUntil, this.retryAt) - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      return;
    }
    this.fresh = false;
    const text = this.latest();
    if (!text || text === this.sent) return;
    this.inFlight = this.showDraft(text).finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
  }

  private async showDraft(text: string): Promise<void> {
    const { outTrackId } = this.card.record;
    try {
      const body = streamingBody(outTrackId, this.card.contentKey, toCardMarkdown(text));
      // A card with no words yet goes before cards that already show some (a queue notice held in it is not words).
      const need = this.sent === '' ? 'first' : 'optional';
      const retryInMs = await optionalCardCall(this.deps, this.card.app, 'PUT', STREAMING_PATH, body, need);
      if (retryInMs > 0) {
        // Nothing was shown: the newest draft tries again as soon as the budget may have room,
        // so a card that lost this time is first in line next time.
        this.retryAt = Date.now() + Math.min(retryInMs, this.deps.settings.card.updateMs);
        this.deps.metrics.cardDrafts.inc({ result: 'skipped' });
        this.fresh = true;
        return;
      }
      this.gapUntil = Date.now() + this.deps.settings.card.updateMs;
      this.sent = text;
      this.deps.metrics.cardDrafts.inc({ result: 'shown' });
      await writeCardRecord(this.deps, this.card.jobId, { shown: text });
    } catch (error) {
      // It may have reached the card all the same: keep the gap. The next draft, or the final
      // text, carries the whole text again.
      this.gapUntil = Date.now() + this.deps.settings.card.updateMs;
      this.fresh = true;
      this.deps.metrics.cardDrafts.inc({ result: 'failed' });
      this.deps.logger.debug({ msgId: this.card.msgId, jobId: this.card.jobId, err: error }, 'card draft not shown');
    }
  }

  private async finishAnswer(text: string, stopped: boolean): Promise<void> {
    const { state } = this.card.record;
    if (state === 'created') {
      await this.final(text, { isFinalize: true });
      await writeCardRecord(this.deps, this.card.jobId, { state: 'finalized', shown: text });
      this.deps.metrics.deliveries.inc({ route: 'card', result: 'ok' });
    }
    if (state === 'created' || state === 'finalized') {
      await this.setFlowStatus(FLOW_STATUS.finished, text, { stopped: String(stopped) });
      await writeCardRecord(this.deps, this.card.jobId, { state: 'finished' });
      this.deps.metrics.cards.inc({ result: 'finished' });
    }
  }

  /**
   * What was shown stays, the apology follows it, and the card ends in the error state. A card that
   * already holds the whole answer keeps it: the user got the answer, whatever failed after it.
   */
  private async finishWithError(apology: string): Promise<void> {
    if (this.card.record.state !== 'created') return;
    const shown = this.sent.trim();
    const text = shown ? `${shown}\n\n${apology}` : apology;
    await this.final(text, { isFinalize: true, isError: true });
    await writeCardRecord(this.deps, this.card.jobId, { state: 'failed', shown: text });
    await this.setFlowStatus(FLOW_STATUS.failed, text);
    this.deps.metrics.cards.inc({ result: 'failed' });
  }

  private async final(text: string, end: { isFinalize: boolean; isError?: boolean }): Promise<void> {
    const wait = this.gapUntil - Date.now();
    if (wait > 0) await sleep(wait);
    const { outTrackId } = this.card.record;
    const content = toCardMarkdown(text);
    await requiredCardCall(this.deps, this.card.app, 'PUT', STREAMING_PATH, () =>
      streamingBody(outTrackId, this.card.contentKey, content, end),
    );
  }

  /**
   * The card's last state, with its text once more in the card's data: what a template shows once
   * streaming is over (DingTalk's own AI connector sets both the same way).
   */
  private async setFlowStatus(flowStatus: string, text: string, more: Record<string, string> = {}): Promise<void> {
    const { outTrackId } = this.card.record;
    const variables = { ...more, [this.card.contentKey]: toCardMarkdown(text) };
    await requiredCardCall(this.deps, this.card.app, 'PUT', INSTANCES_PATH, () => flowStatusBody(outTrackId, flowStatus, variables));
  }
}
