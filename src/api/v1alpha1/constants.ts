// Names of the RtmpPushTask API, in one place so the CRD, RBAC, the client calls and the tests agree.
export const GROUP = 'rtmp.jocloud.com';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'RtmpPushTask';
export const LIST_KIND = 'RtmpPushTaskList';
export const PLURAL = 'rtmppushtasks';
export const SINGULAR = 'rtmppushtask';
export const SHORT_NAMES: readonly string[] = ['rpt'];
export const CATEGORIES: readonly string[] = ['jocloud'];
/** `rtmppushtasks.rtmp.jocloud.com`, the CRD's metadata.name. */
export const CRD_NAME = `${PLURAL}.${GROUP}`;
/** On every task before its first startrtmp; removed once stoprtmp succeeded (or Orphan). */
export const FINALIZER = 'rtmp.jocloud.com/stop-push';
/** Keys of the credentials Secret. */
export const CREDENTIALS_ID_KEY = 'restfulId';
export const CREDENTIALS_SECRET_KEY = 'restfulSecret';
/**
 * Written on the task (with the finalizer) before every startrtmp: which identity, request and
 * credentials are about to be started. Until status.settledIntent names it, that identity may be
 * running at the vendor (the answer may have been lost), so deletion and identity changes stop it.
 */
export const START_INTENT_ANNOTATION = 'rtmp.jocloud.com/start-intent';
/**
 * On a credentials Secret in a task's namespace while a push started with it may be running, so
 * that deleting the namespace (or the Secret) cannot take away what stoprtmp needs. Removed when no
 * task with a finalizer uses the Secret.
 */
export const SECRET_IN_USE_FINALIZER = 'rtmp.jocloud.com/credentials-in-use';
