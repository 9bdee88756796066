// Package apitoken owns personal API tokens: what a token looks like, the scopes it may hold,
// and checking one a script presents against its record, which a region keeps with its
// owner's personal project (sdk.Region.AccessTokens), on every replica alike.
//
// A token is basalt_pat_<project>_<id>_<secret>: the project is where any replica finds its
// record without an index or a database, the id names it in listings and revocations, and
// the secret (256 random bits) is kept nowhere: the record holds a digest of it and of the
// record itself (digest).
package apitoken

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// Prefix starts every token, so that scanners (logscan, secret scanners) recognise one.
const Prefix = "basalt_pat_"

// parts are a token's three parts.
type parts struct {
	project string
	id      string
	secret  string
}

// alphabet is what ids and secrets are drawn from: letters and digits, which a double click
// selects whole.
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// draw returns n characters of alphabet at random (rand.Text's way, without its base32).
func draw(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)] // 256 = 4*62+8: a bias of 1/32 on 8 letters, harmless at 43 characters
	}
	return string(b)
}

const (
	idLength     = 20 // 119 bits: ids never collide
	secretLength = 43 // 256 bits, less the bias
)

func newParts(project string) parts {
	return parts{project: project, id: draw(idLength), secret: draw(secretLength)}
}

func (p parts) String() string { return Prefix + p.project + "_" + p.id + "_" + p.secret }

// parse splits a token; ok is false for anything that is not shaped like one. A project id is
// a DNS label, so it holds no underscore.
func parse(token string) (parts, bool) {
	rest, ok := strings.CutPrefix(token, Prefix)
	if !ok || len(rest) > 200 {
		return parts{}, false
	}
	f := strings.Split(rest, "_")
	if len(f) != 3 || f[0] == "" || len(f[1]) != idLength || len(f[2]) != secretLength {
		return parts{}, false
	}
	return parts{project: f[0], id: f[1], secret: f[2]}, true
}

// Shaped reports whether a bearer token is shaped like an API token, as opposed to the
// identity provider's.
func Shaped(token string) bool { return strings.HasPrefix(token, Prefix) }

// digest is what a record keeps of its token: an HMAC-SHA256, under the session key, of the
// secret and of everything the record says. Whoever may write where a region keeps records (a
// person has admin in their own namespace) can neither read a secret from it nor change what
// a token may do (its scopes, expiry, groups or roles, whose person) without the key. A new
// session key therefore ends every token.
func digest(key []byte, p parts, rec sdk.AccessToken) string {
	signed, _ := json.Marshal(struct {
		Project, ID, Secret, Subject, Username, FullName, Email string
		Scopes, Groups, Roles                                   []string
		Created, Expires                                        int64
	}{p.project, p.id, p.secret, rec.Subject, rec.Username, rec.FullName, rec.Email,
		orNil(rec.Scopes), orNil(rec.Groups), orNil(rec.Roles), rec.Created.Unix(), rec.Expires.Unix()})
	mac := hmac.New(sha256.New, key)
	mac.Write(signed)
	return hex.EncodeToString(mac.Sum(nil))
}

// sameHash compares in constant time: how long a comparison took says nothing of the secret.
func sameHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// orNil is an empty list as nil: a region's wire does not tell them apart.
func orNil(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return list
}
