// Command tiles reads a C2SP tlog-tiles log with golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog, code that knows nothing of truce: it opens the checkpoint
// with the published verifier key, reads the hash tiles to recompute the root and to
// prove every entry, and checks each entry of the entry bundles against its leaf hash.
//
// Usage: tiles -base <URL prefix or folder> -vkey <verifier key> -origin <origin>
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

var base string

// fetch reads a resource under the log's prefix, over HTTP or from a folder.
func fetch(path string) ([]byte, error) {
	if strings.HasPrefix(base, "http://") || strings.HasPrefix(base, "https://") {
		resp, err := http.Get(strings.TrimSuffix(base, "/") + "/" + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return io.ReadAll(resp.Body)
	}
	return os.ReadFile(filepath.Join(base, filepath.FromSlash(path)))
}

// c2spPath is the tlog-tiles path of a tile: the sumdb path without its height
// element, and "entries" for the data tiles.
func c2spPath(t tlog.Tile) string {
	p := t.Path()
	p = strings.Replace(p, fmt.Sprintf("tile/%d/", height), "tile/", 1)
	return strings.Replace(p, "tile/data/", "tile/entries/", 1)
}

type reader struct{}

func (reader) Height() int { return height }

func (reader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := fetch(c2spPath(t))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (reader) SaveTiles([]tlog.Tile, [][]byte) {}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tiles: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	vkey := flag.String("vkey", "", "the log's verifier key")
	origin := flag.String("origin", "", "the log's origin")
	flag.StringVar(&base, "base", "", "URL prefix or folder of the log")
	flag.Parse()

	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	msg, err := fetch("checkpoint")
	if err != nil {
		fail("checkpoint: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != *origin {
		fail("checkpoint origin %q, want %q", lines[0], *origin)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("checkpoint root: %v", err)
	}
	var root tlog.Hash
	copy(root[:], rootBytes)

	hashes := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, reader{})
	computed, err := tlog.TreeHash(size, hashes)
	if err != nil {
		fail("tree hash from tiles: %v", err)
	}
	if computed != root {
		fail("the tiles give the root %s, the checkpoint says %s", computed, root)
	}

	var index int64
	for bundle := int64(0); index < size; bundle++ {
		width := size - bundle*(1<<height)
		if width > 1<<height {
			width = 1 << height
		}
		t := tlog.Tile{H: height, L: -1, N: bundle, W: int(width)}
		data, err := fetch(c2spPath(t))
		if err != nil {
			fail("entry bundle %d: %v", bundle, err)
		}
		for len(data) > 0 {
			if len(data) < 2 {
				fail("entry bundle %d is cut short", bundle)
			}
			length := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+length {
				fail("entry bundle %d is cut short", bundle)
			}
			entry := data[2 : 2+length]
			data = data[2+length:]
			leaf := tlog.RecordHash(entry)
			stored, err := hashes.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
			if err != nil {
				fail("leaf hash %d: %v", index, err)
			}
			if !bytes.Equal(stored[0][:], leaf[:]) {
				fail("entry %d does not hash to its level-0 tile hash", index)
			}
			proof, err := tlog.ProveRecord(size, index, hashes)
			if err != nil {
				fail("proof of %d: %v", index, err)
			}
			if err := tlog.CheckRecord(proof, size, root, index, leaf); err != nil {
				fail("entry %d: %v", index, err)
			}
			index++
		}
	}
	if index != size {
		fail("the entry bundles hold %d entries, the checkpoint %d", index, size)
	}
	fmt.Printf("verified %d entries, root %s, signed by %s\n", size, lines[2], verifier.Name())
}
