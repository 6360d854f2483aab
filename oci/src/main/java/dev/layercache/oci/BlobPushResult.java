package dev.layercache.oci;

/** What pushing a blob took. */
public enum BlobPushResult {
  /** The repository already had it. */
  EXISTS,
  /** The registry linked it from another repository; no bytes were sent. */
  MOUNTED,
  /** The bytes were uploaded. */
  UPLOADED
}
