package leaderelection

import "sync"

type callbackKind uint8

const (
	cbStarted callbackKind = iota + 1
	cbStopped
	cbNewLeader
	cbFinished // the run is over: no callback follows
)

type callback struct {
	kind     callbackKind
	stop     chan struct{}
	identity string
}

// callbackQueue delivers callbacks in order, asynchronously, on a
// goroutine that exists only while the queue is not empty, so that an idle
// elector holds none.
type callbackQueue struct {
	le      *LeaderElector
	mu      sync.Mutex
	q       []callback
	running bool
	working sync.WaitGroup // the running OnStartedLeading
}

func (c *callbackQueue) push(cb callback) {
	c.mu.Lock()
	c.q = append(c.q, cb)
	if c.running {
		c.mu.Unlock()
		return
	}
	c.running = true
	c.mu.Unlock()
	go c.drain()
}

func (c *callbackQueue) drain() {
	for {
		c.mu.Lock()
		if len(c.q) == 0 {
			c.running = false
			c.q = nil
			c.mu.Unlock()
			return
		}
		cb := c.q[0]
		c.q = c.q[1:]
		c.mu.Unlock()
		c.run(cb)
	}
}

func (c *callbackQueue) run(cb callback) {
	cbs := c.le.cfg.Callbacks
	switch cb.kind {
	case cbStarted:
		if cbs.OnStartedLeading != nil {
			c.working.Add(1)
			go c.lead(cbs.OnStartedLeading, cb.stop)
		}
	case cbStopped:
		c.working.Wait() // the leader's work has returned
		if cbs.OnStoppedLeading != nil {
			cbs.OnStoppedLeading()
		}
	case cbNewLeader:
		if cbs.OnNewLeader != nil {
			cbs.OnNewLeader(cb.identity)
		}
	case cbFinished:
		close(c.le.d.finished)
	}
}

func (c *callbackQueue) lead(f func(<-chan struct{}), stop chan struct{}) {
	defer c.working.Done()
	f(stop)
}
