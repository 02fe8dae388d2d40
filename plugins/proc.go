package plugins

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dast-uda/dast/plugins/layernet"
	"github.com/dast-uda/dast/plugins/sdk"
	pluginpb "github.com/dast-uda/dast/plugins/sdk/pluginpb"
)

// proc is one running plugin process.
type proc struct {
	name, path, sum string
	timeout         time.Duration
	// version is the negotiated protocol version.
	version int
	log     *zap.Logger

	mu     sync.Mutex
	client *plugin.Client // nil once killed
	rpc    pluginpb.DiscriminatorsClient
	pid    int
	group  *group // the plugin's process group, killed as a whole
	stderr *tail
}

// pluginName derives a plugin's name from its executable's file name: the stem, lower-cased,
// with '-' and '.' turned into '_'.
func pluginName(path string) (string, error) {
	base := filepath.Base(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	name := strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return r
	}, strings.ToLower(stem))
	if !layernet.ValidName(name) {
		return "", fmt.Errorf("plugin file name %q does not give a usable plugin name (%q: a lower-case letter followed by letters, digits or '_')", base, name)
	}
	return name, nil
}

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkExecutable checks that path is an executable regular file with the expected checksum
// (when sum is not empty) and returns its actual checksum.
func checkExecutable(path, sum string) (string, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("executable not found: %s", path)
	}
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	if st.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%s is not executable (mode %s)", path, st.Mode().Perm())
	}
	got, err := fileSHA256(path)
	if err != nil {
		return "", fmt.Errorf("checksum: %w", err)
	}
	if sum != "" && !strings.EqualFold(got, sum) {
		return "", fmt.Errorf("checksum mismatch: sha256 of %s is %s, the configuration expects %s", path, got, strings.ToLower(sum))
	}
	return got, nil
}

// start starts the plugin at path and connects to it within timeout. On error no process is
// left running.
func start(ctx context.Context, path, sum string, timeout time.Duration, versions []int, log *zap.Logger) (*proc, error) {
	name, err := pluginName(path)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	p := &proc{name: name, path: path, timeout: timeout, log: log, stderr: newTail(4096)}
	fail := func(what string, err error) (*proc, error) {
		p.kill(false)
		return nil, p.errorf("%s: %w%s", what, err, p.stderrNote())
	}
	if p.sum, err = checkExecutable(path, sum); err != nil {
		return nil, p.errorf("%w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, p.errorf("%w", err)
	}
	var want []byte
	if sum != "" {
		if want, err = hex.DecodeString(sum); err != nil {
			return nil, p.errorf("sha256 %q: %w", sum, err)
		}
	}
	cmd := exec.Command(path)
	p.group = newGroup() // from here on, p.kill stops every process started
	p.group.prepare(cmd)
	offered := make(map[int]plugin.PluginSet, len(versions))
	for _, v := range versions {
		offered[v] = plugin.PluginSet{sdk.PluginKey: &sdk.GRPCPlugin{}}
	}
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: offered,
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     timeout,
		Stderr:           p.stderr,
		SyncStderr:       p.stderr,
		Logger:           hclogger(log, name),
		AutoMTLS:         true,
	}
	if want != nil {
		cfg.SecureConfig = &plugin.SecureConfig{Checksum: want, Hash: sha256.New()}
	}
	p.client = plugin.NewClient(cfg)
	rpcClient, err := p.client.Client()
	if cmd.Process != nil { // started, even when the handshake failed
		p.pid = cmd.Process.Pid
		p.group.started(p.pid)
	}
	if err != nil {
		// Stop the process first: its stderr (which explainStart reads for go-plugin's
		// cookie-mismatch notice) is complete only once it has exited.
		p.kill(false)
		return nil, p.errorf("start: %w%s", explainStart(err, p.stderr.String()), p.stderrNote())
	}
	raw, err := rpcClient.Dispense(sdk.PluginKey)
	if err != nil {
		return fail("connect", err)
	}
	rpc, ok := raw.(pluginpb.DiscriminatorsClient)
	if !ok {
		return fail("connect", fmt.Errorf("dispensed %T, want a Discriminators client", raw))
	}
	p.rpc = rpc
	p.version = p.client.NegotiatedVersion()
	log.Debug("plugin started", zap.String("plugin", name), zap.String("path", path), zap.Int("pid", p.pid), zap.Int("protocol", p.version))
	return p, nil
}

// explainStart shortens go-plugin's start errors to their first line and adds a hint.
func explainStart(err error, stderr string) error {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	msg = strings.TrimSpace(msg)
	lower := strings.ToLower(msg)
	const unrecognized = "unrecognized remote plugin message:"
	exited := strings.Contains(lower, "plugin exited before we could connect") || lower == unrecognized
	switch {
	case strings.Contains(stderr, "This binary is a plugin"):
		return fmt.Errorf("the plugin refused the handshake: magic cookie mismatch (it was built for another host)")
	case exited:
		return fmt.Errorf("the plugin exited before the handshake")
	case strings.Contains(lower, "timeout while waiting for plugin to start"):
		return fmt.Errorf("%s (no handshake; the plugin hangs or is not a dast plugin)", msg)
	case strings.Contains(lower, "incompatible api version"):
		return fmt.Errorf("incompatible plugin protocol version: %s", msg)
	case strings.HasPrefix(lower, unrecognized):
		return fmt.Errorf("bad handshake: %s (the plugin crashed during the handshake or is not a dast plugin)", msg)
	}
	return errors.New(msg)
}

// errorf returns an error naming the plugin and its path.
func (p *proc) errorf(format string, args ...any) error {
	return fmt.Errorf("plugin %s (%s): %w", p.name, p.path, fmt.Errorf(format, args...))
}

// stderrNote returns "; plugin stderr: <last lines>" when the plugin wrote to stderr, leaving
// out go-plugin's own JSON debug and info log lines.
func (p *proc) stderrNote() string {
	var lines []string
	for l := range strings.SplitSeq(p.stderr.String(), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, `{"@level":"debug"`) || strings.HasPrefix(l, `{"@level":"trace"`) || strings.HasPrefix(l, `{"@level":"info"`) {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		return ""
	}
	return "; plugin stderr: " + strings.Join(lines, " | ")
}

// call runs an RPC with the plugin's timeout. A plugin that does not answer in time or whose
// connection breaks is killed: it is of no further use.
func (p *proc) call(what string, f func(ctx context.Context, rpc pluginpb.DiscriminatorsClient) error) error {
	p.mu.Lock()
	rpc := p.rpc
	p.mu.Unlock()
	if rpc == nil {
		return p.errorf("%s: the plugin is stopped", what)
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	err := f(ctx, rpc)
	if err == nil {
		return nil
	}
	switch status.Code(err) {
	case codes.DeadlineExceeded:
		p.kill(false)
		return p.errorf("%s: no answer within %v (plugin killed)%s", what, p.timeout, p.stderrNote())
	case codes.Unavailable, codes.Canceled:
		p.kill(false)
		return p.errorf("%s: connection lost, the plugin crashed or exited (plugin killed): %s%s", what, status.Convert(err).Message(), p.stderrNote())
	}
	return p.errorf("%s: %s", what, status.Convert(err).Message())
}

// describe asks for the plugin's discriminators.
func (p *proc) describe() (*pluginpb.DescribeResponse, error) {
	var resp *pluginpb.DescribeResponse
	err := p.call("Describe", func(ctx context.Context, rpc pluginpb.DiscriminatorsClient) (err error) {
		resp, err = rpc.Describe(ctx, &pluginpb.DescribeRequest{})
		return err
	})
	return resp, err
}

// build asks for the layers of discriminator name.
func (p *proc) build(name string, opts map[string]*pluginpb.Value, inChannels int) ([]sdk.Layer, error) {
	var resp *pluginpb.BuildResponse
	err := p.call("Build "+name, func(ctx context.Context, rpc pluginpb.DiscriminatorsClient) (err error) {
		resp, err = rpc.Build(ctx, &pluginpb.BuildRequest{Name: name, Options: opts, InChannels: int32(inChannels)})
		return err
	})
	if err != nil {
		return nil, err
	}
	layers := make([]sdk.Layer, len(resp.GetLayers()))
	for i, l := range resp.GetLayers() {
		layers[i] = sdk.LayerFromProto(l)
	}
	return layers, nil
}

// gracefulExit bounds the wait for a plugin to exit on its own once dast closes the connection
// (go-plugin waits 2 s, then kills the plugin process). After it the plugin's whole process
// group is killed: a process the plugin started that keeps its stdout or stderr open would
// otherwise hold go-plugin's Kill until it exits.
const gracefulExit = 2500 * time.Millisecond

// kill stops the plugin: graceful lets a healthy plugin exit on its own first (Close); without
// it (timeout, crash, failed start) the process group is killed at once. Either way every
// process of the group is killed and the plugin process and the group's sentinel are reaped
// before kill returns. It is safe to call more than once.
func (p *proc) kill(graceful bool) {
	p.mu.Lock()
	c, pid, g := p.client, p.pid, p.group
	p.client, p.rpc, p.group = nil, nil, nil
	p.mu.Unlock()
	if g == nil {
		return
	}
	if !graceful {
		g.kill()
	}
	if c != nil {
		done := make(chan struct{})
		go func() {
			c.Kill()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(gracefulExit):
			g.kill()
			<-done
		}
	}
	g.reap() // processes that had left the plugin's pipes too
	p.log.Debug("plugin stopped", zap.String("plugin", p.name), zap.Int("pid", pid))
}

// tail keeps the last n bytes written to it.
type tail struct {
	mu  sync.Mutex
	n   int
	buf []byte
}

func newTail(n int) *tail { return &tail{n: n} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.n {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.n:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.ToValidUTF8(t.buf, []byte("?")))
}

// hclogger routes go-plugin's log to log at debug level (or discards it when debug is off).
func hclogger(log *zap.Logger, name string) hclog.Logger {
	if !log.Core().Enabled(zap.DebugLevel) {
		return hclog.NewNullLogger()
	}
	return hclog.New(&hclog.LoggerOptions{Name: "plugin." + name, Level: hclog.Debug, Output: zapWriter{log}, DisableTime: true})
}

// zapWriter writes each line as a debug message.
type zapWriter struct{ log *zap.Logger }

func (w zapWriter) Write(b []byte) (int, error) {
	for l := range strings.SplitSeq(strings.TrimRight(string(b), "\n"), "\n") {
		w.log.Debug(l)
	}
	return len(b), nil
}
