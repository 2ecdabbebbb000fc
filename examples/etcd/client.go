package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrEtcd is wrapped by every error of the client that is not the
// transport's: an unexpected status, or an answer it cannot read.
var ErrEtcd = errors.New("etcd")

// settleTimeout bounds how long a write whose context ended while it was
// in flight waits for etcd's answer: see Client.
const settleTimeout = 10 * time.Second

// maxResponse bounds what the client reads of an answer: a record is at
// most 64 KiB, base64 makes it 88, and the rest is a header.
const maxResponse = 1 << 20

// Client speaks to etcd's v3 JSON gateway (the grpc-gateway every etcd
// 3.4+ server serves on its client URL) with net/http and encoding/json
// only, so the module needs no etcd dependency. It implements KV.
//
// Reads stop as soon as their context ends. A write (a transaction) is not
// sent once its context has ended; but once sent, it is waited for even if
// its context ends meanwhile (for at most 10 s, and the HTTP client's
// Timeout): etcd may apply a transaction whose client has hung up, so
// abandoning it would leave the caller believing a write failed that then
// happens after all. A lock needs to know which.
type Client struct {
	// Endpoint is etcd's client URL, e.g. "http://127.0.0.1:2379".
	Endpoint string
	// HTTP sends the requests; nil means http.DefaultClient. Set a
	// Timeout, and TLS or auth through its Transport.
	HTTP *http.Client
}

var _ KV = (*Client)(nil)

// revision is an int64 that the gateway writes as a JSON string ("42");
// a plain number is accepted too.
type revision int64

func (r *revision) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	if err != nil {
		return fmt.Errorf("revision %s: %w", b, err)
	}
	*r = revision(n)
	return nil
}

type header struct {
	Revision revision `json:"revision"`
}

type keyValue struct {
	Key            []byte   `json:"key"` // base64 in JSON, as encoding/json does []byte
	Value          []byte   `json:"value"`
	CreateRevision revision `json:"create_revision"`
	ModRevision    revision `json:"mod_revision"`
}

type rangeResponse struct {
	Header header     `json:"header"`
	Kvs    []keyValue `json:"kvs"`
}

type compare struct {
	Key            []byte `json:"key"`
	Target         string `json:"target"` // "CREATE" or "MOD"
	Result         string `json:"result"` // "EQUAL"
	CreateRevision *int64 `json:"create_revision,omitempty,string"`
	ModRevision    *int64 `json:"mod_revision,omitempty,string"`
}

type putRequest struct {
	Key   []byte `json:"key"`
	Value []byte `json:"value"`
}

type requestOp struct {
	RequestPut *putRequest `json:"request_put,omitempty"`
}

type txnRequest struct {
	Compare []compare   `json:"compare"`
	Success []requestOp `json:"success"`
}

type txnResponse struct {
	Header    header `json:"header"`
	Succeeded bool   `json:"succeeded"` // omitted when false
}

// Range reads key with POST /v3/kv/range.
func (c *Client) Range(ctx context.Context, key string) ([]byte, int64, bool, error) {
	var resp rangeResponse
	if err := c.post(ctx, "/v3/kv/range", map[string][]byte{"key": []byte(key)}, &resp); err != nil {
		return nil, 0, false, err
	}
	for _, kv := range resp.Kvs {
		if string(kv.Key) == key {
			return kv.Value, int64(kv.ModRevision), true, nil
		}
	}
	return nil, 0, false, nil
}

// PutIfAbsent puts with POST /v3/kv/txn, comparing create_revision with 0.
func (c *Client) PutIfAbsent(ctx context.Context, key string, value []byte) (int64, bool, error) {
	zero := int64(0)
	return c.putIf(ctx, compare{Key: []byte(key), Target: "CREATE", Result: "EQUAL", CreateRevision: &zero}, key, value)
}

// PutIfModRevision puts with POST /v3/kv/txn, comparing mod_revision with
// modRevision.
func (c *Client) PutIfModRevision(ctx context.Context, key string, value []byte, modRevision int64) (int64, bool, error) {
	return c.putIf(ctx, compare{Key: []byte(key), Target: "MOD", Result: "EQUAL", ModRevision: &modRevision}, key, value)
}

// putIf runs a transaction of one compare and one put. The put's
// mod_revision is the revision of the transaction, which the answer's
// header gives.
func (c *Client) putIf(ctx context.Context, cmp compare, key string, value []byte) (int64, bool, error) {
	req := txnRequest{
		Compare: []compare{cmp},
		Success: []requestOp{{RequestPut: &putRequest{Key: []byte(key), Value: value}}},
	}
	if err := ctx.Err(); err != nil {
		return 0, false, err // not sent: nothing changed
	}
	settle, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	var resp txnResponse
	if err := c.post(settle, "/v3/kv/txn", req, &resp); err != nil {
		return 0, false, err
	}
	if !resp.Succeeded {
		return 0, false, nil
	}
	if resp.Header.Revision <= 0 {
		return 0, false, fmt.Errorf("%w: %s/v3/kv/txn: a successful transaction without a revision", ErrEtcd, c.Endpoint)
	}
	return int64(resp.Header.Revision), true, nil
}

// post sends body as JSON to the gateway and decodes a 200 answer into out.
func (c *Client) post(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrEtcd, path, err)
	}
	url := strings.TrimSuffix(c.Endpoint, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrEtcd, err)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err // wraps the context's error when it ended
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("%w: POST %s: reading the answer: %w", ErrEtcd, url, err)
	}
	if len(data) > maxResponse {
		return fmt.Errorf("%w: POST %s: answer larger than %d bytes", ErrEtcd, url, maxResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: POST %s: %s: %s", ErrEtcd, url, resp.Status, snippet(data))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: POST %s: %w: %s", ErrEtcd, url, err, snippet(data))
	}
	return nil
}

// snippet returns the start of an answer, for an error message.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "…"
	}
	return strconv.Quote(string(b))
}
