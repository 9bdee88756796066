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

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/kvmodel"
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
	file string
	aead cipher.AEAD
	lock *os.File // held for as long as the vault is open

	*kvmodel.Store
}

// contents is what the file holds, once decrypted.
type contents struct {
	Secrets map[string]*kvmodel.Secret `json:"secrets"`
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
	v := &vault{file: file, aead: aead, lock: lock}
	v.removeTemporaries()
	var secrets map[string]*kvmodel.Secret
	sealed, err := os.ReadFile(file)
	if err == nil {
		secrets, err = v.load(sealed)
	}
	v.Store = kvmodel.NewStore(secrets, kvmodel.Options{MaxVersions: maxVersions, Save: v.save})
	if errors.Is(err, iofs.ErrNotExist) {
		// Written at once, so that a store that cannot be written fails now, not on the
		// first secret.
		err = v.Save()
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

// load decrypts the file's content.
func (v *vault) load(sealed []byte) (map[string]*kvmodel.Secret, error) {
	nonceSize := v.aead.NonceSize()
	if len(sealed) < len(header)+nonceSize || !bytes.Equal(sealed[:len(header)], header) {
		return nil, fmt.Errorf("localsecrets: %s is not a Basalt secrets file (or not of this version)", v.file)
	}
	nonce, ciphertext := sealed[len(header):len(header)+nonceSize], sealed[len(header)+nonceSize:]
	plain, err := v.aead.Open(nil, nonce, ciphertext, header)
	if err != nil {
		return nil, fmt.Errorf("localsecrets: cannot decrypt %s: wrong key, or the file was altered", v.file)
	}
	defer clear(plain)
	var c contents
	if err := json.Unmarshal(plain, &c); err != nil {
		return nil, fmt.Errorf("localsecrets: %s decrypts to something unreadable: %v", v.file, err)
	}
	return c.Secrets, nil
}

// save writes every secret to the file: sealed with a fresh nonce into a temporary file
// beside it, synced, renamed over the file, and the folder synced, so that a crash at any
// point leaves either the old file or the new one. The store calls it, locked, after each
// change.
func (v *vault) save(secrets map[string]*kvmodel.Secret) error {
	plain, err := json.Marshal(contents{Secrets: secrets})
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
