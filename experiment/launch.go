package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"desim/scenarios"
	"desim/sim/realtime"
)

// TokenEnv is the environment variable that carries a real run's token to
// its machine processes, so that it does not show in the process list as
// a --token argument would.
const TokenEnv = "DESIM_TOKEN"

// MachineSpec is what a Launcher needs to start machine ID of a real run.
type MachineSpec struct {
	ID int
	// Scenario is the run's scenario, seed and duration resolved, and
	// ScenarioPath the same as a YAML file in the run directory, for
	// machines that run in another process.
	Scenario     *scenarios.Scenario
	ScenarioPath string
	// Speed is scenario seconds per wall second.
	Speed          float64
	ConnectTimeout time.Duration
	Token          realtime.Token
	// Ticker is how the machine schedules its ticks.
	Ticker realtime.Ticker
	// Stderr receives the machine's diagnostics.
	Stderr io.Writer
}

// Process is a started machine. It speaks the control protocol of package
// realtime: lines to it on Stdin, lines from it on Stdout.
type Process interface {
	Stdin() io.WriteCloser
	Stdout() io.Reader
	// Wait waits until the machine has exited, after its Stdout is read to
	// the end, and returns why it failed (nil for success).
	Wait() error
	// Kill stops the machine at once.
	Kill()
	// Pid is the operating system's process id, or 0 for a machine that
	// runs inside this process.
	Pid() int
}

// Launcher starts the machines of a real run.
type Launcher interface {
	Launch(spec MachineSpec) (Process, error)
}

// ProcessLauncher starts every machine as an operating-system process:
// Exe machine --control --id I --scenario FILE --speed X
// --connect-timeout D, and --ticker T for a ticker other than the default
// (so that the command line of a default run is as it was), the token in
// the environment variable TokenEnv.
type ProcessLauncher struct {
	// Exe is the desim executable.
	Exe string
}

// Launch implements Launcher.
func (l ProcessLauncher) Launch(spec MachineSpec) (Process, error) {
	if l.Exe == "" {
		return nil, errors.New("no desim executable to start the machines with")
	}
	args := []string{"machine", "--control", "--id", strconv.Itoa(spec.ID), "--scenario", spec.ScenarioPath,
		"--speed", FormatSpeed(spec.Speed), "--connect-timeout", spec.ConnectTimeout.String()}
	if spec.Ticker != realtime.TickerAbsolute {
		args = append(args, "--ticker", spec.Ticker.String())
	}
	cmd := exec.Command(l.Exe, args...)
	cmd.Env = append(os.Environ(), TokenEnv+"="+spec.Token.String())
	cmd.Stderr = spec.Stderr
	stdin, err1 := cmd.StdinPipe()
	stdout, err2 := cmd.StdoutPipe()
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &osProcess{cmd: cmd, stdin: stdin, stdout: stdout}, nil
}

type osProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.Reader
}

func (p *osProcess) Stdin() io.WriteCloser { return p.stdin }
func (p *osProcess) Stdout() io.Reader     { return p.stdout }
func (p *osProcess) Wait() error           { return p.cmd.Wait() }
func (p *osProcess) Kill()                 { p.cmd.Process.Kill() }
func (p *osProcess) Pid() int              { return p.cmd.Process.Pid }

// InProcessLauncher runs every machine in a goroutine of this process, with
// its own loopback TCP listener, through ServeMachine: the same machine
// code, control protocol and sockets as the process launcher, without
// starting processes (for tests and for embedding desim).
type InProcessLauncher struct{}

// Launch implements Launcher.
func (InProcessLauncher) Launch(spec MachineSpec) (Process, error) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	p := &goProcess{stdin: inW, stdout: outR, inR: inR, outW: outW, cancel: cancel, done: make(chan struct{})}
	cfg := realtime.Config{
		ID: spec.ID, Run: spec.Scenario.Config(spec.Scenario.Seed), Speed: spec.Speed, Token: spec.Token,
		Ticker: spec.Ticker, ConnectTimeout: spec.ConnectTimeout,
		Logf: func(format string, args ...any) {
			if spec.Stderr != nil {
				fmt.Fprintf(spec.Stderr, format+"\n", args...)
			}
		},
	}
	go func() {
		defer close(p.done)
		defer func() {
			if err := recovered(recover()); err != nil {
				p.err = err
				outW.Close()
				inR.Close()
			}
		}()
		p.err = ServeMachine(ctx, cfg, "127.0.0.1:0", inR, outW)
		if p.err != nil && spec.Stderr != nil && !p.killed() {
			fmt.Fprintf(spec.Stderr, "desim machine: %v\n", p.err)
		}
		outW.Close()
		inR.Close()
	}()
	return p, nil
}

type goProcess struct {
	stdin  *io.PipeWriter
	stdout *io.PipeReader
	inR    *io.PipeReader
	outW   *io.PipeWriter
	cancel context.CancelFunc
	done   chan struct{}
	err    error

	mu   sync.Mutex
	kill bool
}

func (p *goProcess) killed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kill
}

func (p *goProcess) Stdin() io.WriteCloser { return p.stdin }
func (p *goProcess) Stdout() io.Reader     { return p.stdout }
func (p *goProcess) Pid() int              { return 0 }

func (p *goProcess) Wait() error {
	<-p.done
	if p.killed() {
		return errors.New("killed")
	}
	return p.err
}

func (p *goProcess) Kill() {
	p.mu.Lock()
	p.kill = true
	p.mu.Unlock()
	// Like a killed process, it says nothing more: its output ends now,
	// before the machine is cancelled. The other order let a cancelled
	// machine report an orderly "done" in between, and the coordinator
	// took the killed machine for one that had finished.
	p.outW.Close()
	p.inR.CloseWithError(errors.New("killed"))
	p.cancel()
}

// FormatSpeed writes a speed so that strconv.ParseFloat reads it back
// exactly.
func FormatSpeed(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// SelfLauncher starts the machines of a real run as processes of the
// running desim executable ("desim machine --control"). A Go test binary
// (name.test) cannot serve as one, since it would run its tests: there the
// machines run in-process (InProcessLauncher), through the same machine
// code and sockets.
func SelfLauncher() (Launcher, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the desim executable to start the machines: %w", err)
	}
	if strings.HasSuffix(filepath.Base(exe), ".test") {
		return InProcessLauncher{}, nil
	}
	return ProcessLauncher{Exe: exe}, nil
}
