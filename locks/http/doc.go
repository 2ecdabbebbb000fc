// Package httplock is a core.Lock over HTTP conditional requests (RFC
// 9110), and the reference server that speaks the same protocol.
//
// One lock is one URL, holding one record (JSON, see core.AppendRecord):
//
//	GET                                  read          200 + ETag + record; 404 none
//	PUT  If-None-Match: *                create        201 + ETag; 412 exists
//	PUT  If-Match: "etag"                compare&swap  200 + ETag; 412 moved
//	PUT  without a precondition          refused       428
//	GET  If-None-Match: "etag"           long-poll     200 when it changes; 304 after N s
//	     Prefer: wait=N (RFC 7240)
//
// # The client
//
// New returns a Lock on any store that implements conditional PUT: the
// reference server (elect serve), S3 and S3-compatible stores (MinIO,
// SeaweedFS), WebDAV servers such as Apache's mod_dav. It handles what such
// stores are known to do:
//
//   - S3 answers 404, not 412, to If-Match on a missing key: Update maps
//     both to core.ErrConflict.
//   - MinIO deletes despite If-Match on DELETE: the client never deletes a
//     lock; a release is a conditional PUT of a record without a holder.
//   - ETags may be hashes of the content (MinIO, S3, Apache with FileETag
//     Digest): every body the client writes carries a random "writeNonce"
//     field, so that even an identical record gets a new ETag.
//   - Weak ETags (W/"...") never satisfy If-Match: the client refuses them
//     with ErrBadETag, and the probe refuses a store that gives them.
//   - A PUT answered without an ETag (Apache's mod_dav): the client reads
//     the record back and takes its ETag only if the body is byte for byte
//     the one it wrote (the nonce makes it unique); otherwise another write
//     came in between and Create or Update report core.ErrConflict.
//   - nginx's dav module, s3rver and golang.org/x/net/webdav ignore
//     preconditions altogether: the probe refuses them.
//   - S3 may answer 409 (ConditionalRequestConflict) while writes race: the
//     write was not applied, and the client reports a transient error that
//     the election retries. A 409 is never taken for a conflict, since
//     WebDAV answers 409 when the parent collection is missing.
//
// Before its first write a Lock probes the store (see Probe) on a
// sibling URL, never on the lock's own record, unless made WithoutProbe.
// Auth and signing go through WithClient, WithToken and WithRequestHook
// (examples/s3 signs with AWS SigV4). Every request has a timeout
// (WithTimeout), bodies are read up to a limit (WithMaxBody), and an
// unexpected answer gives a *ResponseError naming the method, URL, status
// and the first bytes of the body.
//
// Watch long-polls with If-None-Match and Prefer: wait=N, so that a
// waiting candidate sees a release at once. Stores that do not long-poll
// (S3, MinIO, Apache) answer such a request at once; the Lock notices,
// stops watching, and the election falls back to polling.
//
// # The reference server
//
// NewServer returns an http.Handler that keeps lock NAME at /locks/NAME
// (NAME: letters, digits, '.', '_', '-', and '/' between segments, at
// most MaxNameLength bytes; an empty, "." or ".." segment or any other
// character gets 400) and answers GET /healthz without auth. Beyond the
// table above:
//
//   - A PUT's body must be a record (core.ParseRecord; 400 otherwise) no
//     larger than 64 KiB (413), whose lease is at most MaxLease (400). It
//     is stored and served byte for byte, so fields a newer writer adds
//     survive. Its Content-Type, when given, must be application/json or
//     another +json type (415 otherwise); curl's default for --data,
//     application/x-www-form-urlencoded, is accepted as well.
//   - If-Match on a missing lock gets 412; If-Match: * and If-None-Match
//     with an entity tag are not compare-and-swap and get 428. Every
//     successful PUT answers the new ETag: 201 on create, 200 on update.
//   - ETags are strong and never repeat, also across restarts: a random
//     epoch chosen at every start, then a counter.
//   - GET with If-None-Match matching the current ETag answers 304; with
//     Prefer: wait=N it waits up to N seconds (capped at MaxWait) for a
//     change, and says Preference-Applied: wait=N.
//   - DELETE with If-Match removes a lock (204; 412, or 428 without
//     If-Match); the probe cleans up with it. Clients never delete locks.
//   - Bearer tokens (ServerConfig.Tokens, ReadTokenFile), compared in
//     constant time: 401 with WWW-Authenticate without a token, 403 with a
//     wrong one.
//   - Persistence (ServerConfig.DataDir) with atomic, fsynced writes.
//     Without it, valid writes get 503 with Retry-After for MaxLease after a
//     start, so that a lease granted before a restart is never granted
//     twice (see NewServer for why persistence needs no such wait).
//
// The server is for small setups and tests; users who outgrow one host put
// the lock on a replicated store they already run (S3, MinIO).
package httplock
