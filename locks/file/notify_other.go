//go:build !(linux || darwin || freebsd || windows)

package file

import (
	"errors"
	"fmt"
	"runtime"
)

// notifier is not available here: watches report only the holder's death,
// and the election's polling sees changes.
type notifier struct{}

func newNotifier(dir, name string) (*notifier, error) {
	return nil, fmt.Errorf("directory notifications on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func (n *notifier) wait() error { return errors.ErrUnsupported }

func (n *notifier) close() {}
