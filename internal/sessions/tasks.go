package sessions

import "sync"

// tasks counts the goroutines a Manager starts (connection attempts,
// disconnects, lease releases, delayed restores, retries, the state
// writer), so that Close returns only once all have ended. Once joined, it
// starts nothing more.
type tasks struct {
	mu     sync.Mutex
	n      int
	idle   *sync.Cond // signalled when n drops to 0
	joined bool
}

// start runs f in a new goroutine, unless the tasks were joined; it
// reports whether f will run.
func (t *tasks) start(f func()) bool {
	if !t.add() {
		return false
	}
	go func() {
		defer t.done()
		f()
	}()
	return true
}

// run runs f in the calling goroutine (a timer's) as one of the tasks,
// unless they were joined; it reports whether f ran.
func (t *tasks) run(f func()) bool {
	if !t.add() {
		return false
	}
	defer t.done()
	f()
	return true
}

func (t *tasks) add() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.joined {
		return false
	}
	t.n++
	return true
}

func (t *tasks) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 {
		t.idle.Broadcast()
	}
}

// join waits until no task runs, then refuses new ones. Tasks may start
// others while it waits.
func (t *tasks) join() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for t.n > 0 {
		t.idle.Wait()
	}
	t.joined = true
}
