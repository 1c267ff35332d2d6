//go:build !linux

package realtime

import "time"

// preciseSleep sleeps for d (a short time, under coarseMargin); outside
// Linux it is time.Sleep, whose precision the runtime decides.
func preciseSleep(d time.Duration) { time.Sleep(d) }
