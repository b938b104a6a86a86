package cases

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// errInfected is the public error of a refused upload; detail says why.
func errInfected(detail string) error {
	return errs.Wrapf(errs.Invalid, fmt.Errorf("%s", detail), "cases.error.material_infected")
}

// eicar is the EICAR anti-virus test file, which every scanner is expected to refuse.
const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// ExecutableFilter is the built-in Scanner. It is not an antivirus: it refuses the EICAR test
// file and content that starts like a program — Windows PE ("MZ"), ELF, Mach-O, Java class and
// "#!" scripts — at the top level or as an entry of a ZIP container (such as an OFD file).
// Configure a ClamdScanner for real malware detection.
type ExecutableFilter struct{}

// maxZipEntries bounds the entries of a container the filter looks into.
const maxZipEntries = 1000

// Scan implements Scanner.
func (ExecutableFilter) Scan(ctx context.Context, name string, data []byte) error {
	if bytes.Contains(data, []byte(eicar)) {
		return errInfected("EICAR test file")
	}
	if kind := executable(data); kind != "" {
		return errInfected(kind)
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil // not a readable container: the format check decides
	}
	for i, f := range zr.File {
		if i >= maxZipEntries {
			return errInfected("container with too many entries")
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		head := make([]byte, len(eicar))
		n, _ := io.ReadFull(rc, head)
		rc.Close()
		head = head[:n]
		if bytes.HasPrefix(head, []byte(eicar)) {
			return errInfected("EICAR test file in " + f.Name)
		}
		if kind := executable(head); kind != "" {
			return errInfected(kind + " in " + f.Name)
		}
	}
	return nil
}

// executable names the program format data starts with, or "".
func executable(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("MZ")):
		return "Windows executable"
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		return "ELF executable"
	case bytes.HasPrefix(data, []byte{0xfe, 0xed, 0xfa, 0xce}), bytes.HasPrefix(data, []byte{0xfe, 0xed, 0xfa, 0xcf}),
		bytes.HasPrefix(data, []byte{0xce, 0xfa, 0xed, 0xfe}), bytes.HasPrefix(data, []byte{0xcf, 0xfa, 0xed, 0xfe}):
		return "Mach-O executable"
	case bytes.HasPrefix(data, []byte{0xca, 0xfe, 0xba, 0xbe}):
		return "Mach-O universal binary or Java class"
	case bytes.HasPrefix(data, []byte("#!")):
		return "script"
	}
	return ""
}

// ClamdScanner asks a ClamAV daemon (clamd) with its INSTREAM command.
type ClamdScanner struct {
	// Address is "tcp://host:port" (or "host:port"), or "unix:///path/clamd.ctl" (or a path).
	Address string
	// Timeout bounds one scan; 30 seconds when zero.
	Timeout time.Duration
}

// clamdChunk is the size of the chunks streamed to clamd (its StreamMaxLength applies to the
// whole file).
const clamdChunk = 64 << 10

// Scan implements Scanner: a file clamd finds something in is errs.Invalid (the signature name
// in the internal detail); clamd unreachable or answering an error is errs.Unavailable.
func (c ClamdScanner) Scan(ctx context.Context, name string, data []byte) (err error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	network, addr := "tcp", c.Address
	switch {
	case strings.HasPrefix(addr, "unix://"):
		network, addr = "unix", strings.TrimPrefix(addr, "unix://")
	case strings.HasPrefix(addr, "/"):
		network = "unix"
	default:
		addr = strings.TrimPrefix(addr, "tcp://")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return errs.Wrapf(errs.Unavailable, err, "cases.error.scanner_unavailable")
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	reply, err := clamdInstream(conn, data)
	if err != nil {
		return errs.Wrapf(errs.Unavailable, err, "cases.error.scanner_unavailable")
	}
	return clamdVerdict(reply)
}

// clamdInstream streams data with the INSTREAM command and returns clamd's reply.
func clamdInstream(conn io.ReadWriter, data []byte) (string, error) {
	w := bufio.NewWriterSize(conn, clamdChunk+4)
	if _, err := w.WriteString("zINSTREAM\x00"); err != nil {
		return "", err
	}
	var size [4]byte
	for len(data) > 0 {
		n := min(len(data), clamdChunk)
		binary.BigEndian.PutUint32(size[:], uint32(n))
		if _, err := w.Write(size[:]); err != nil {
			return "", err
		}
		if _, err := w.Write(data[:n]); err != nil {
			return "", err
		}
		data = data[n:]
	}
	binary.BigEndian.PutUint32(size[:], 0)
	if _, err := w.Write(size[:]); err != nil {
		return "", err
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	reply, err := bufio.NewReader(io.LimitReader(conn, 4096)).ReadString(0)
	if err != nil && reply == "" {
		return "", err
	}
	return strings.TrimRight(reply, "\x00\n"), nil
}

// clamdVerdict reads clamd's reply to INSTREAM: "stream: OK", "stream: <signature> FOUND" or
// "<message> ERROR".
func clamdVerdict(reply string) error {
	r := strings.TrimSpace(reply)
	switch {
	case strings.HasSuffix(r, " FOUND"):
		sig := strings.TrimSuffix(strings.TrimPrefix(r, "stream: "), " FOUND")
		return errInfected("clamd: " + sig)
	case strings.HasSuffix(r, ": OK") || r == "OK":
		return nil
	default:
		return errs.Wrapf(errs.Unavailable, fmt.Errorf("clamd answered %q", r), "cases.error.scanner_unavailable")
	}
}
