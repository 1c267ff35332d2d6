package realtime

import (
	"syscall"
	"time"
)

// preciseSleep sleeps for d (a short time, under coarseMargin) with
// nanosleep(2), which the kernel's high-resolution timers end within about
// 0.1 ms, where a Go timer wakes up to a millisecond late (the runtime's
// poller waits in whole milliseconds). An interrupted sleep returns early;
// the caller checks the time again.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	syscall.Nanosleep(&ts, nil)
}
