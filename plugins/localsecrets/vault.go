package localsecrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// keySize is AES-256's.
const keySize = 32

// The file is a header, a random nonce, then the AES-256-GCM sealing of the store as JSON.
// The header is authenticated with it, so a file of another format or version cannot pass
// for this one.
var header = []byte("BASALT-SECRETS\x00\x01")

// vault is the open store file: the secrets in memory and the file they are written back
// to on every change.
type vault struct {
	file        string
	aead        cipher.AEAD
	maxVersions int
	lock        *os.File // held for as long as the vault is open

	mu      sync.RWMutex
	secrets map[string]*secret // by path
}

// contents is what the file holds, once decrypted.
type contents struct {
	Secrets map[string]*secret `json:"secrets"`
}

type secret struct {
	Versions []*version `json:"versions"` // the versions kept, oldest first
	Current  int        `json:"current"`  // the latest version's number
	Created  time.Time  `json:"created"`
	Updated  time.Time  `json:"updated"`
}

type version struct {
	Version   int               `json:"version"`
	Data      map[string]string `json:"data,omitempty"`
	Created   time.Time         `json:"created"`
	Deleted   time.Time         `json:"deleted,omitzero"`
	Destroyed bool              `json:"destroyed,omitempty"`
}

// clone copies a secret deeply enough that changing the copy leaves the original as it was.
func (s *secret) clone() *secret {
	if s == nil {
		return nil
	}
	c := *s
	c.Versions = make([]*version, len(s.Versions))
	for i, v := range s.Versions {
		vc := *v
		c.Versions[i] = &vc
	}
	return &c
}

// openVault opens the store file with key, creating it empty when missing. The file is
// locked for as long as the vault is open: a second process (or store) opening it fails
// instead of overwriting the first one's changes.
func openVault(file string, key []byte, maxVersions int) (*vault, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "file", Rule: fmt.Sprintf("its folder cannot be created: %v", err)})
	}
	lock, err := lockFile(file + ".lock")
	if err != nil {
		return nil, err
	}
	v := &vault{file: file, aead: aead, maxVersions: maxVersions, lock: lock, secrets: map[string]*secret{}}
	v.removeTemporaries()
	sealed, err := os.ReadFile(file)
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		// Written at once, so that a store that cannot be written fails now, not on the
		// first secret.
		err = v.save()
	case err == nil:
		err = v.load(sealed)
	}
	if err != nil {
		v.close()
		return nil, err
	}
	return v, nil
}

func (v *vault) close() {
	if v.lock != nil {
		unlockFile(v.lock)
		v.lock = nil
	}
}

func (v *vault) count() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.secrets)
}

// load decrypts the file's content.
func (v *vault) load(sealed []byte) error {
	nonceSize := v.aead.NonceSize()
	if len(sealed) < len(header)+nonceSize || !bytes.Equal(sealed[:len(header)], header) {
		return fmt.Errorf("localsecrets: %s is not a Basalt secrets file (or not of this version)", v.file)
	}
	nonce, ciphertext := sealed[len(header):len(header)+nonceSize], sealed[len(header)+nonceSize:]
	plain, err := v.aead.Open(nil, nonce, ciphertext, header)
	if err != nil {
		return fmt.Errorf("localsecrets: cannot decrypt %s: wrong key, or the file was altered", v.file)
	}
	defer clear(plain)
	var c contents
	if err := json.Unmarshal(plain, &c); err != nil {
		return fmt.Errorf("localsecrets: %s decrypts to something unreadable: %v", v.file, err)
	}
	if c.Secrets != nil {
		v.secrets = c.Secrets
	}
	return nil
}

// save writes every secret to the file: sealed with a fresh nonce into a temporary file
// beside it, synced, renamed over the file, and the folder synced, so that a crash at any
// point leaves either the old file or the new one. v.mu must be held.
func (v *vault) save() error {
	plain, err := json.Marshal(contents{Secrets: v.secrets})
	if err != nil {
		return err
	}
	nonce := make([]byte, v.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	sealed := make([]byte, 0, len(header)+len(nonce)+len(plain)+v.aead.Overhead())
	sealed = append(append(sealed, header...), nonce...)
	sealed = v.aead.Seal(sealed, nonce, plain, header)
	clear(plain)

	tmp := v.file + tempSuffix + randomHex()
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(sealed)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, v.file)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("localsecrets: write %s: %w", v.file, err)
	}
	dir, err := os.Open(filepath.Dir(v.file))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// tempSuffix marks the temporary files of save; one left by a crash is removed on open.
const tempSuffix = ".tmp-"

func (v *vault) removeTemporaries() {
	matches, _ := filepath.Glob(v.file + tempSuffix + "*")
	for _, m := range matches {
		_ = os.Remove(m)
	}
}

func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// errUnchanged tells update that a change had nothing to do.
var errUnchanged = errors.New("unchanged")

// update applies change to a copy of the secret at path (nil when there is none), stores
// what it returns (nil removes the secret) and writes the file. When change or the write
// fails, the store is left exactly as it was.
func (v *vault) update(path string, change func(s *secret) (*secret, error)) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	old, had := v.secrets[path]
	next, err := change(old.clone())
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	if next == nil {
		delete(v.secrets, path)
	} else {
		v.secrets[path] = next
	}
	if err := v.save(); err != nil {
		if had {
			v.secrets[path] = old
		} else {
			delete(v.secrets, path)
		}
		return err
	}
	return nil
}

// loadKeyFile reads the key in keyFile, or creates the file with a fresh random key when it
// does not exist yet and neither does the store: a new key for an existing store could
// never open it.
func loadKeyFile(keyFile, storeFile string) (key []byte, created bool, err error) {
	raw, err := os.ReadFile(keyFile)
	if err == nil {
		defer clear(raw)
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) != keySize {
			return nil, false, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "keyFile", Rule: "must hold a 32-byte key in standard base64"})
		}
		return key, false, nil
	}
	if !errors.Is(err, iofs.ErrNotExist) {
		return nil, false, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "keyFile", Rule: fmt.Sprintf("cannot be read: %v", err)})
	}
	if _, err := os.Stat(storeFile); err == nil {
		return nil, false, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "keyFile",
			Rule: fmt.Sprintf("is missing while the store %s exists: restore the key it was written with", storeFile)})
	}
	key = make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(keyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("localsecrets: create the key file: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(keyFile)
		return nil, false, fmt.Errorf("localsecrets: write the key file: %w", err)
	}
	return key, true, nil
}

// looseMode reports a key file that accounts other than its owner can read or write.
func looseMode(keyFile string) (os.FileMode, bool) {
	fi, err := os.Stat(keyFile)
	if err != nil {
		return 0, false
	}
	return fi.Mode().Perm(), fi.Mode().Perm()&0o077 != 0
}
