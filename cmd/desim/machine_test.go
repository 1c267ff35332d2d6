package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"desim/experiment"
)

const testToken = "00112233445566778899aabbccddeeff"

// Bad input to desim machine is exit status 2 with a clear message and no
// output: one case per rule.
func TestMachineBadInput(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := taken.Addr().String()
	free := freeAddrs(t, 3)
	peers := strings.Join(free, ",")
	past := fmt.Sprint(time.Now().Add(-time.Minute).UnixNano()) // timing-ok
	out := t.TempDir()
	base := func(extra ...string) []string {
		return append([]string{"machine", "--id", "0", "--scenario", "A3", "--token", testToken, "--out", out}, extra...)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no scenario", []string{"machine", "--id", "0", "--peers", peers, "--token", testToken}, "--scenario is required"},
		{"unknown scenario", []string{"machine", "--id", "0", "--scenario", "nosuch", "--peers", peers, "--token", testToken}, "no built-in scenario or file"},
		{"no id", []string{"machine", "--scenario", "A3", "--peers", peers, "--token", testToken}, "--id -1 is not a machine of A3 (0..2)"},
		{"id out of range", base("--id", "3", "--peers", peers), "--id 3 is not a machine of A3"},
		{"no peers", base(), "--peers is required"},
		{"too few peers", base("--peers", free[0]+","+free[1]), "has 2 addresses, the scenario has 3 machines"},
		{"peer without port", base("--peers", "127.0.0.1,"+free[1]+","+free[2]), "is not host:port"},
		{"peer port 0", base("--peers", "127.0.0.1:0,"+free[1]+","+free[2]), "not a number in 1..65535"},
		{"duplicate peers", base("--peers", free[0]+","+free[0]+","+free[2]), "the same address"},
		{"bad token", []string{"machine", "--id", "0", "--scenario", "A3", "--peers", peers, "--token", "xyz"}, "token must be 32 hexadecimal digits"},
		{"bad speed", base("--peers", peers, "--speed", "0"), "is not in (0, 10000]"},
		{"bad connect timeout", base("--peers", peers, "--connect-timeout", "0s"), "--connect-timeout must be positive"},
		{"bad ticker", base("--peers", peers, "--ticker", "Sleep"), `invalid argument "Sleep" for "--ticker" flag: ticker "Sleep" is not one of absolute, sleep`},
		{"start in the past", base("--peers", peers, "--start-at", past), "in the past"},
		{"argument", base("--peers", peers, "extra"), "takes no arguments, only flags, got 1 argument(s)"},
		{"port in use, own peer entry", base("--peers", busy+","+free[1]+","+free[2]), "already in use"},
		{"port in use, --listen", base("--peers", peers, "--listen", busy), "cannot listen on " + busy + ": the address is already in use"},
		{"bad --listen", base("--peers", peers, "--listen", "127.0.0.1:99999"), "cannot listen on"},
		{"peers never connect", base("--peers", peers, "--connect-timeout", "300ms"), "not every peer connected within 300ms: machine 1 at " + free[1]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := desim(c.args...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("desim %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
			}
			noPanic(t, "stderr", r.stderr)
		})
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("bad input wrote %d entries into the output directory", len(entries))
	}
}

// The token may come from the environment instead of the command line;
// without either, the machine refuses to run.
func TestMachineTokenFromEnvironment(t *testing.T) {
	free := freeAddrs(t, 2)
	dir := t.TempDir()
	yaml := filepath.Join(dir, "two.yaml")
	if err := os.WriteFile(yaml, []byte("duration: 10s\ndie: 4\nmachines:\n  - rate: 1\n  - rate: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"machine", "--id", "0", "--scenario", yaml, "--peers", strings.Join(free, ","), "--connect-timeout", "100ms", "--out", dir}
	t.Setenv(experiment.TokenEnv, "")
	if r := desim(args...); r.code != 2 || !strings.Contains(r.stderr, "no token: give --token or set DESIM_TOKEN") {
		t.Errorf("no token: exit %d, %q", r.code, r.stderr)
	}
	t.Setenv(experiment.TokenEnv, testToken)
	// With the token it gets as far as connecting (and times out).
	if r := desim(args...); r.code != 2 || !strings.Contains(r.stderr, "not every peer connected within 100ms") {
		t.Errorf("token from the environment: exit %d, %q", r.code, r.stderr)
	}
	t.Setenv(experiment.TokenEnv, "not-hex")
	if r := desim(args...); r.code != 2 || !strings.Contains(r.stderr, "token must be") {
		t.Errorf("bad token in the environment: exit %d, %q", r.code, r.stderr)
	}
}
