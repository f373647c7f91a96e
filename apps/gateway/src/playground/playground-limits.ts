import { PLAYGROUND_TRANSCRIPT_ENTRIES } from '@dtbot/shared';

/**
 * Every bound of the playground, in one place. The playground is open to whoever reaches the
 * gateway, in front of a paid model API, so nothing it keeps or accepts grows without a limit.
 */
export const PLAYGROUND_LIMITS = {
  /**
   * Sessions (browser tabs) alive at once, all gateways together; one more gets 503. A session is a few KiB in Redis
   * and lives two idle hours: 200 lets a whole team try the robot at once, and the per-minute and per-day limits below,
   * not this one, bound what the model costs.
   */
  maxSessions: 200,
  /** A session (a browser tab) is forgotten, transcript and all, after this long without a question or a visit. */
  sessionIdleMs: 2 * 3_600_000,
  /** Characters of one question: DingTalk's own text messages are of this order. */
  questionChars: 2000,
  /** Bytes of the page's post carrying one question (the question, the user, the chat). */
  questionBodyBytes: 8 * 1024,
  /** Questions one session may send per minute, about what DingTalk lets one conversation receive. */
  questionsPerMinute: 20,
  /**
   * Questions all sessions together may send per minute, every gateway counted. Sessions cost nothing to open, so
   * the per-session limit alone bounds nothing: this one does. Three sessions at their own limit: the playground
   * is for trying the robot, not for serving a crowd.
   */
  allQuestionsPerMinute: 60,
  /**
   * Questions all sessions together may send per UTC day, every gateway counted: a question reaches the model at
   * most once and a command never, so this caps the day's model calls. 500 questions of a few thousand tokens
   * each cost a few dollars on a mid-range model: enough for a team to try the robot, too little to be worth
   * abusing. `BUDGET_DAILY_USD` still bounds the spend of everything together.
   */
  allQuestionsPerDay: 500,
  /** Entries (questions and answers) kept per session; older ones are dropped first (workers trim to it too). */
  transcriptEntries: PLAYGROUND_TRANSCRIPT_ENTRIES,
  /** Open event streams on one gateway, and per session on one gateway (a few tabs of one session). */
  eventStreams: 1000,
  eventStreamsPerSession: 5,
  /** Names shown in the chat. */
  nickChars: 32,
  groupTitleChars: 32,
} as const;
