/** A file a user sent the robot: what its `downloadCode` downloads. */
export interface FakeFile {
  body: Buffer;
  contentType: string;
  /** The download URL handed out instead of the fake's own (e.g. one on an origin the worker must refuse). */
  downloadUrl?: string;
  /** Its download URL answers a redirect here instead of the bytes, as a bucket may hand a download on. */
  redirectTo?: string;
  /**
   * Served in chunks with no `content-length` (as storage streams a file), so only counting what arrives tells a
   * download it is too large.
   */
  streamed?: boolean;
}

/** One exchange of a download code for a URL. */
export interface FileDownloadRequest {
  downloadCode: string;
  robotCode: string;
  /** The app whose access token the request carried. */
  appKey: string;
}
