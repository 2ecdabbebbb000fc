package sim

// evKind is what an event does when its time comes.
type evKind uint8

const (
	evStart    evKind = iota + 1 // a process starts: its first tick
	evTick                       // a process's wait ends (id: wait id)
	evApply                      // an operation linearizes at the store (id: op index)
	evReply                      // an operation's answer reaches its process (id: op index)
	evDeadline                   // a call's deadline passes (id: call id)
	evWatch                      // a watch fires (id: wait id; arg: watch event; ver)
	evResign                     // the process is asked to resign
	evStop                       // the process is asked to stop (graceful shutdown)
	evFault                      // the fault generator picks its next fault
	evResume                     // a paused process resumes
	evRestart                    // a crashed or stopped process starts again
	evFailover                   // the failover bound of a crash has passed
)

var evNames = [...]string{"", "start", "tick", "apply", "reply", "deadline", "watch",
	"resign", "stop", "fault", "resume", "restart", "failover"}

func (k evKind) String() string {
	if int(k) < len(evNames) {
		return evNames[k]
	}
	return "ev?"
}

// event is one entry of the simulation's queue, ordered by true time and
// then by the order in which it was scheduled.
type event struct {
	at   int64 // true time, nanoseconds since the start of the run
	seq  uint64
	ver  int64  // evWatch: the watched version
	inc  int32  // incarnation of the process it is for (stale when it moved on)
	id   uint32 // wait id, call id or op index, by kind
	kind evKind
	slot uint8
	arg  uint8 // evWatch: the core.WatchEvent
}

// queue is a binary min-heap of events. It reuses its memory across runs.
type queue struct {
	h   []event
	seq uint64
}

func (q *queue) reset() {
	q.h = q.h[:0]
	q.seq = 0
}

func (q *queue) less(i, j int) bool {
	a, b := &q.h[i], &q.h[j]
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

func (q *queue) push(e event) {
	e.seq = q.seq
	q.seq++
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q.h[i], q.h[parent] = q.h[parent], q.h[i]
		i = parent
	}
}

func (q *queue) pop() event {
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h = q.h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= last {
			break
		}
		m := l
		if r := l + 1; r < last && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}

func (q *queue) empty() bool { return len(q.h) == 0 }
