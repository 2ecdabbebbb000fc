package gen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is wrapped by WriteFiles' error when it would overwrite a
// file it was told to keep.
var ErrExists = errors.New("gen: file exists")

// WriteFiles writes files into dir. With keep, it writes none of them if
// any already exists (for -stubs, whose files are the user's once
// written).
func WriteFiles(dir string, files []File, keep bool) error {
	if keep {
		for _, f := range files {
			path := filepath.Join(dir, f.Name)
			if _, err := os.Stat(path); err == nil {
				return fmt.Errorf("%w: %s: not overwriting a file that may hold your work; remove it first", ErrExists, path)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("gen: %w", err)
			}
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
	}
	return nil
}
