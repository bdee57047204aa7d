package email

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSMTP is a small SMTP server on 127.0.0.1: enough of RFC 5321 for
// net/smtp (greeting, EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET,
// QUIT), recording every session.
type fakeSMTP struct {
	t  *testing.T
	ln net.Listener
	// user and pass are the only credentials AUTH PLAIN accepts; with no
	// user the server offers no AUTH.
	user, pass string
	// tls, when set, is offered with STARTTLS.
	tls *tls.Config
	// replies replace the server's success for a verb ("MAIL", "RCPT",
	// "DATA" before the message, "DATA." after it, "GREETING").
	replies map[string]string
	// silent servers accept connections and never answer.
	silent bool
	// implicit servers speak TLS from the first byte.
	implicit bool
	// hold delays the greeting, unless the client leaves first; accepted,
	// if set, hears of every connection.
	hold     time.Duration
	accepted chan struct{}

	mu       sync.Mutex
	sessions []*session
	wg       sync.WaitGroup
}

// session is what one client did.
type session struct {
	Commands []string // verbs, in order
	TLS      bool     // the session ended encrypted
	AuthTLS  bool     // AUTH came over TLS
	User     string   // who logged in
	From     string
	To       []string
	Data     string // the message, dots unstuffed
	Hello    string // the name given in EHLO
}

func newFakeSMTP(t *testing.T, configure func(*fakeSMTP)) *fakeSMTP {
	t.Helper()
	return newFakeSMTPOn(t, "127.0.0.1", configure)
}

// newFakeSMTPOn is a fake listening on another address; it skips the
// test where the system has no such address.
func newFakeSMTPOn(t *testing.T, ip string, configure func(*fakeSMTP)) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	f := &fakeSMTP{t: t, ln: ln, replies: map[string]string{}}
	if configure != nil {
		configure(f)
	}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(func() {
		ln.Close()
		f.wg.Wait()
	})
	return f
}

// port is the port the server listens on.
func (f *fakeSMTP) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeSMTP) accept() {
	defer f.wg.Done()
	for {
		conn, err := f.ln.Accept()
		if err != nil {
			return
		}
		s := &session{}
		f.mu.Lock()
		f.sessions = append(f.sessions, s)
		f.mu.Unlock()
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer conn.Close()
			// No test waits long; a stuck client must not stall Cleanup.
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			f.serve(conn, s)
		}()
	}
}

// all returns copies of the sessions so far.
func (f *fakeSMTP) all() []session {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]session, len(f.sessions))
	for i, s := range f.sessions {
		out[i] = *s
		out[i].Commands = append([]string(nil), s.Commands...)
		out[i].To = append([]string(nil), s.To...)
	}
	return out
}

// only is the one session there was.
func (f *fakeSMTP) only() session {
	f.t.Helper()
	ss := f.all()
	if len(ss) != 1 {
		f.t.Fatalf("%d SMTP sessions, want 1", len(ss))
	}
	return ss[0]
}

func (f *fakeSMTP) serve(conn net.Conn, s *session) {
	if f.silent {
		buf := make([]byte, 512)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}
	if f.accepted != nil {
		f.accepted <- struct{}{}
	}
	if f.hold > 0 {
		conn.SetReadDeadline(time.Now().Add(f.hold))
		var b [1]byte
		if _, err := conn.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
			return // the client left (or spoke out of turn)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
	}
	tp := textproto.NewConn(conn)
	reply := func(format string, args ...any) { tp.PrintfLine(format, args...) }
	if r, ok := f.replies["GREETING"]; ok {
		reply("%s", r)
		return
	}
	reply("220 fake.test ESMTP ready")
	secure := f.implicit
	f.mu.Lock()
	s.TLS = secure
	f.mu.Unlock()
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			reply("500 5.5.2 Empty command")
			continue
		}
		verb := strings.ToUpper(fields[0])
		f.mu.Lock()
		s.Commands = append(s.Commands, verb)
		f.mu.Unlock()
		if r, ok := f.replies[verb]; ok {
			reply("%s", r)
			continue
		}
		switch verb {
		case "EHLO":
			f.mu.Lock()
			s.Hello = strings.Join(fields[1:], " ")
			f.mu.Unlock()
			lines := []string{"fake.test greets you"}
			if f.tls != nil && !secure {
				lines = append(lines, "STARTTLS")
			}
			if f.user != "" {
				lines = append(lines, "AUTH PLAIN")
			}
			lines = append(lines, "8BITMIME")
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				reply("250%s%s", sep, l)
			}
		case "HELO", "RSET", "NOOP":
			reply("250 2.0.0 OK")
		case "STARTTLS":
			if f.tls == nil || secure {
				reply("502 5.5.1 Not offered")
				continue
			}
			reply("220 2.0.0 Ready to start TLS")
			tc := tls.Server(conn, f.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, tp, secure = tc, textproto.NewConn(tc), true
			reply = func(format string, args ...any) { tp.PrintfLine(format, args...) }
			f.mu.Lock()
			s.TLS = true
			f.mu.Unlock()
		case "AUTH":
			if f.user == "" || len(fields) != 3 || strings.ToUpper(fields[1]) != "PLAIN" {
				reply("504 5.5.4 Unrecognized authentication type")
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(fields[2])
			parts := strings.Split(string(raw), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != f.user || parts[2] != f.pass {
				reply("535 5.7.8 Authentication credentials invalid")
				continue
			}
			f.mu.Lock()
			s.User, s.AuthTLS = parts[1], secure
			f.mu.Unlock()
			reply("235 2.7.0 Authentication successful")
		case "MAIL":
			f.mu.Lock()
			s.From = angle(line)
			f.mu.Unlock()
			reply("250 2.1.0 Ok")
		case "RCPT":
			f.mu.Lock()
			s.To = append(s.To, angle(line))
			f.mu.Unlock()
			reply("250 2.1.5 Ok")
		case "DATA":
			reply("354 End data with <CR><LF>.<CR><LF>")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			f.mu.Lock()
			s.Data = string(data)
			f.mu.Unlock()
			if r, ok := f.replies["DATA."]; ok {
				reply("%s", r)
				continue
			}
			reply("250 2.0.0 Ok: queued as 4F2A1")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("502 5.5.2 Command not recognized")
		}
	}
}

// angle is the address between < and > of a MAIL or RCPT command.
func angle(line string) string {
	i, j := strings.IndexByte(line, '<'), strings.IndexByte(line, '>')
	if i < 0 || j < i {
		return ""
	}
	return line[i+1 : j]
}

// testCert is a self-signed certificate for 127.0.0.1: the server's TLS
// config, and a client config that trusts it and nothing else.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "fake.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		IsCA:         true,

		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool}
}

// implicitTLS makes f speak TLS from the first byte, as on port 465.
func (f *fakeSMTP) implicitTLS(cfg *tls.Config) {
	f.ln = tls.NewListener(f.ln, cfg)
	f.implicit = true
}
