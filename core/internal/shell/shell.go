// Package shell writes the commands Basalt shows users (the command panel's mc, vault, helm
// and kubectl lines) so that a POSIX shell reads back exactly the words Basalt meant, whatever
// a file, secret or service is called.
package shell

import "strings"

// bare are the characters no POSIX shell gives a meaning to inside a word (after the command's
// name: "a=b" there is an argument, not an assignment).
const bare = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=+,%"

// Quote returns s as one shell word: as it is when every character is bare, else in single
// quotes, inside which nothing is special but the single quote itself (which closes them, is
// escaped with a backslash, and opens them again).
func Quote(s string) string {
	if s != "" && strings.Trim(s, bare) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Command is the command line that runs words: each one quoted, joined by spaces.
func Command(words ...string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = Quote(w)
	}
	return strings.Join(quoted, " ")
}
