package authn

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// sealer encrypts and authenticates cookie values (AES-256-GCM), so that a session lives in
// the browser and any replica holding the key can read it.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(key string) (*sealer, error) {
	sum := sha256.Sum256([]byte(key))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts v; name is bound into the ciphertext so a value cannot move between cookies.
func (s *sealer) seal(name string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(name))), nil
}

var errBadCookie = errors.New("invalid cookie")

func (s *sealer) open(name, value string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return errBadCookie
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(name))
	if err != nil {
		return errBadCookie
	}
	return json.Unmarshal(plain, v)
}

// Browsers keep cookies of up to 4 KiB; tokens with many groups are larger, so a value is
// split over numbered cookies.
const chunkSize = 3800

type cookieJar struct {
	name   string
	secure bool
}

func (j cookieJar) write(w http.ResponseWriter, value string, maxAge time.Duration) {
	n := 0
	for i := 0; i < len(value); i += chunkSize {
		end := min(i+chunkSize, len(value))
		http.SetCookie(w, j.cookie(j.name+"."+strconv.Itoa(n), value[i:end], maxAge))
		n++
	}
	http.SetCookie(w, j.cookie(j.name, strconv.Itoa(n), maxAge))
}

func (j cookieJar) read(r *http.Request) (string, bool) {
	head, err := r.Cookie(j.name)
	if err != nil {
		return "", false
	}
	n, err := strconv.Atoi(head.Value)
	if err != nil || n < 1 || n > 16 {
		return "", false
	}
	var b strings.Builder
	for i := range n {
		c, err := r.Cookie(j.name + "." + strconv.Itoa(i))
		if err != nil {
			return "", false
		}
		b.WriteString(c.Value)
	}
	return b.String(), true
}

func (j cookieJar) clear(w http.ResponseWriter, r *http.Request) {
	for _, c := range r.Cookies() {
		if c.Name == j.name || strings.HasPrefix(c.Name, j.name+".") {
			http.SetCookie(w, j.cookie(c.Name, "", -1))
		}
	}
}

func (j cookieJar) cookie(name, value string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: j.secure, SameSite: http.SameSiteLaxMode}
	if maxAge < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(maxAge.Seconds())
	}
	return c
}
