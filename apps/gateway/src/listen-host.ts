/** Every interface: what a gateway that takes DingTalk's callbacks listens on unless `HOST` says otherwise. */
export const ALL_INTERFACES = '0.0.0.0';
/** This machine only. */
export const LOOPBACK = '127.0.0.1';

export interface ListenChoice {
  host: string;
  /** Why loopback was chosen, for the start line; absent when `HOST` or the default decided. */
  loopbackBecause?: string;
}

/**
 * Where the gateway listens. `HOST` when the operator set it. Otherwise every interface, except while the
 * playground stands in for missing DingTalk credentials: such a gateway has no robot to take messages for, only
 * a page anyone reaching it could use to spend the model quota, so it stays on this machine. With credentials
 * (the playground beside real robots, `PLAYGROUND=true`) it listens as before: DingTalk must reach it.
 */
export function chooseListenHost(settings: { HOST?: string | undefined; PLAYGROUND: boolean }, robotCount: number): ListenChoice {
  if (settings.HOST !== undefined) return { host: settings.HOST };
  if (settings.PLAYGROUND && robotCount === 0) return { host: LOOPBACK, loopbackBecause: 'no DingTalk credentials are set' };
  return { host: ALL_INTERFACES };
}
