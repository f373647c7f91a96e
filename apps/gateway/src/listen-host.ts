/** Every interface: what a gateway that takes DingTalk's callbacks listens on. */
export const ALL_INTERFACES = '0.0.0.0';
/** This machine only. */
export const LOOPBACK = '127.0.0.1';

export interface ListenChoice {
  host: string;
  /** Why loopback was chosen, for the start line; absent when every interface was. */
  loopbackBecause?: string;
}

/**
 * Where the gateway listens: every interface, except while the playground stands in for missing DingTalk
 * credentials: such a gateway has no robot to take messages for, only a page anyone reaching it could use to spend
 * the model quota, so it stays on this machine. With credentials (the playground beside real robots,
 * `PLAYGROUND=true`) it listens on every interface: DingTalk must reach it. Not a setting: an address to bind is a
 * container's or a firewall's to narrow, and the one choice that matters here follows from the credentials.
 */
export function chooseListenHost(settings: { PLAYGROUND: boolean }, robotCount: number): ListenChoice {
  if (settings.PLAYGROUND && robotCount === 0) return { host: LOOPBACK, loopbackBecause: 'no DingTalk credentials are set' };
  return { host: ALL_INTERFACES };
}
