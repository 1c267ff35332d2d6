// Package shell quotes words for a POSIX shell, so that a command line
// desim prints can be pasted and runs exactly the words it shows.
//
// Imports: the standard library only; any desim package may use it.
package shell

import "strings"

// Quote returns word as one POSIX shell word: unchanged when it consists
// only of characters no shell treats specially, otherwise in single
// quotes, each ' written as '\”. The empty word is ”.
func Quote(word string) string {
	if word == "" {
		return "''"
	}
	safe := true
	for _, r := range word {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:,=+@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return word
	}
	return "'" + strings.ReplaceAll(word, "'", `'\''`) + "'"
}

// Join quotes every word and joins them with spaces.
func Join(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}
