package launch

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// CompileURIPattern compiles a region's allowedURIPattern. Onyxia hands it to JavaScript's
// RegExp (no flags); Go's regexp (RE2) reads most such patterns alike, and what it reads
// differently is translated: \uXXXX, \cX, \0, identity escapes such as \/ or \e,
// [^] and [], \b in a class, and the dot, which in JavaScript stops at \r, \u2028 and
// \u2029 too. Lookaround and backreferences have no RE2 equivalent: they are errors, so that
// a pattern is never silently skipped.
func CompileURIPattern(pattern string) (*regexp.Regexp, error) {
	translated, err := translateJSPattern(pattern)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(translated)
	if err != nil {
		return nil, fmt.Errorf("not a regular expression Go can read: %v", err)
	}
	return re, nil
}

type compiledPattern struct {
	re  *regexp.Regexp
	err error
}

var uriPatterns sync.Map // pattern → compiledPattern

// compiledURIPattern is CompileURIPattern, once per pattern.
func compiledURIPattern(pattern string) (*regexp.Regexp, error) {
	if c, ok := uriPatterns.Load(pattern); ok {
		return c.(compiledPattern).re, c.(compiledPattern).err
	}
	re, err := CompileURIPattern(pattern)
	uriPatterns.Store(pattern, compiledPattern{re, err})
	return re, err
}

// jsDot is JavaScript's dot: any character but a line terminator.
const jsDot = `[^\n\r\x{2028}\x{2029}]`

func translateJSPattern(src string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\\':
			out, n, err := translateEscape(src[i+1:], inClass)
			if err != nil {
				return "", fmt.Errorf("at offset %d: %w", i, err)
			}
			b.WriteString(out)
			i += 1 + n
		case inClass:
			switch c {
			case ']':
				inClass = false
			case '[': // literal in a JavaScript class; Go would read [: as a POSIX class
				b.WriteByte('\\')
			}
			b.WriteByte(c)
			i++
		case c == '[':
			switch {
			case strings.HasPrefix(src[i:], "[^]"): // any character
				b.WriteString(`[\x00-\x{10FFFF}]`)
				i += 3
			case strings.HasPrefix(src[i:], "[]"): // no character
				b.WriteString(`[^\x00-\x{10FFFF}]`)
				i += 2
			case strings.HasPrefix(src[i:], "[^"):
				b.WriteString("[^")
				inClass = true
				i += 2
			default:
				b.WriteByte('[')
				inClass = true
				i++
			}
		case strings.HasPrefix(src[i:], "(?=") || strings.HasPrefix(src[i:], "(?!"):
			return "", fmt.Errorf("at offset %d: lookahead %s has no equivalent in Go's regular expressions", i, src[i:i+3])
		case strings.HasPrefix(src[i:], "(?<=") || strings.HasPrefix(src[i:], "(?<!"):
			return "", fmt.Errorf("at offset %d: lookbehind %s has no equivalent in Go's regular expressions", i, src[i:i+4])
		case c == '.':
			b.WriteString(jsDot)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// translateEscape translates the escape after a backslash; rest starts after it. It returns
// the Go text and how many bytes of rest it read.
func translateEscape(rest string, inClass bool) (string, int, error) {
	if rest == "" {
		return "", 0, errors.New(`the pattern ends with a lone \`)
	}
	c := rest[0]
	switch {
	case strings.IndexByte("dDwWsSfnrtv", c) >= 0:
		return `\` + string(c), 1, nil
	case c == 'b' || c == 'B':
		if !inClass {
			return `\` + string(c), 1, nil
		}
		if c == 'b' {
			return `\x08`, 1, nil // a backspace, in a class
		}
		return "B", 1, nil
	case c == '0' && (len(rest) < 2 || !isDigit(rest[1])):
		return `\x00`, 1, nil
	case isDigit(c):
		return "", 0, fmt.Errorf(`backreference (or octal escape) \%c has no equivalent in Go's regular expressions; write \xHH for a character`, c)
	case c == 'k' && strings.HasPrefix(rest, "k<"):
		return "", 0, errors.New(`named backreference \k<…> has no equivalent in Go's regular expressions`)
	case c == 'p' || c == 'P' || strings.HasPrefix(rest, "u{"):
		return "", 0, fmt.Errorf(`\%c reads differently with and without JavaScript's u flag; write the characters out`, c)
	case c == 'u':
		if len(rest) >= 5 && isHex(rest[1:5]) {
			return `\x{` + rest[1:5] + `}`, 5, nil
		}
		return "u", 1, nil
	case c == 'x':
		if len(rest) >= 3 && isHex(rest[1:3]) {
			return `\x` + rest[1:3], 3, nil
		}
		return "x", 1, nil
	case c == 'c':
		if len(rest) >= 2 && isLetter(rest[1]) {
			return fmt.Sprintf(`\x%02X`, rest[1]%32), 2, nil
		}
		return `\\c`, 1, nil
	case isLetter(c): // an identity escape: the letter itself
		return string(c), 1, nil
	case c < utf8.RuneSelf: // punctuation, which Go also escapes
		return `\` + string(c), 1, nil
	}
	r, n := utf8.DecodeRuneInString(rest)
	return regexp.QuoteMeta(string(r)), n, nil
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isHex(s string) bool {
	if s == "" {
		return false
	}
	_, err := strconv.ParseUint(s, 16, 32)
	return err == nil && !strings.ContainsAny(s, "+-")
}
