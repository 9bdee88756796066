package wire

import (
	"bytes"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	storagepb "github.com/basalt-dev/basalt/sdk/internal/pb/storagev1"
)

// split cuts b into buffers at the given offsets, as gRPC hands over a message received in
// several frames.
func split(b []byte, at ...int) mem.BufferSlice {
	var s mem.BufferSlice
	prev := 0
	for _, i := range append(at, len(b)) {
		s = append(s, mem.SliceBuffer(b[prev:i]))
		prev = i
	}
	return s
}

// TestCodecDecodesChunksLikeProtobuf checks the shortcut against the generic decoder, with
// the message cut inside the tag, inside the length and inside the data, for a pooled and a
// small chunk.
func TestCodecDecodesChunksLikeProtobuf(t *testing.T) {
	for _, size := range []int{0, 5, ChunkSize / 2, ChunkSize} {
		data := bytes.Repeat([]byte{'x', 'y', 'z'}, size/3+1)[:size]
		wire, err := proto.Marshal(&storagepb.ReadObjectChunk{Part: &storagepb.ReadObjectChunk_Data{Data: data}})
		if err != nil {
			t.Fatal(err)
		}
		cuts := [][]int{nil, {1}, {2}, {min(3, len(wire))}}
		if size > 10 {
			cuts = append(cuts, []int{1, 2, 7, len(wire) - 3})
		}
		for _, at := range cuts {
			var got storagepb.ReadObjectChunk
			if err := Codec.Unmarshal(split(wire, at...), &got); err != nil {
				t.Fatalf("%d bytes cut at %v: %v", size, at, err)
			}
			if !bytes.Equal(got.GetData(), data) || got.GetData() == nil {
				t.Errorf("%d bytes cut at %v: got %d bytes", size, at, len(got.GetData()))
			}
			releaseChunk(got.GetData())
		}
	}
}

// TestCodecLeavesOtherMessagesToProtobuf checks that a header, a chunk with an extra field and
// a message of another type still decode in full.
func TestCodecLeavesOtherMessagesToProtobuf(t *testing.T) {
	header := &storagepb.WriteObjectChunk{Part: &storagepb.WriteObjectChunk_Header{Header: &storagepb.WriteObjectHeader{
		Object: &storagepb.ObjectRef{Bucket: "b", Key: "k"}, Size: 7,
	}}}
	wire, _ := proto.Marshal(header)
	var got storagepb.WriteObjectChunk
	if err := Codec.Unmarshal(split(wire, 1), &got); err != nil || !proto.Equal(&got, header) {
		t.Errorf("header: %v, %v", &got, err)
	}

	// A data field followed by an unknown one: the size no longer covers the message.
	data, _ := proto.Marshal(&storagepb.WriteObjectChunk{Part: &storagepb.WriteObjectChunk_Data{Data: []byte("abc")}})
	extra := append(data, 0x18, 0x01) // field 3, varint 1
	got.Reset()
	if err := Codec.Unmarshal(split(extra), &got); err != nil || string(got.GetData()) != "abc" || len(got.ProtoReflect().GetUnknown()) != 2 {
		t.Errorf("data with an unknown field: %v, %v", &got, err)
	}

	ref := &storagepb.ObjectRef{Bucket: "b", Key: "k"}
	wire, _ = proto.Marshal(ref)
	var gotRef storagepb.ObjectRef
	if err := Codec.Unmarshal(split(wire), &gotRef); err != nil || !proto.Equal(&gotRef, ref) {
		t.Errorf("another message: %v, %v", &gotRef, err)
	}

	// A truncated chunk is an error, not a short body.
	full, _ := proto.Marshal(&storagepb.ReadObjectChunk{Part: &storagepb.ReadObjectChunk_Data{Data: []byte("abcdef")}})
	var chunk storagepb.ReadObjectChunk
	if err := Codec.Unmarshal(split(full[:len(full)-2]), &chunk); err == nil {
		t.Errorf("a truncated chunk decoded as %q", chunk.GetData())
	}
}

// TestCodecEncodesChunksLikeProtobuf checks that a data message encodes to protobuf's bytes,
// whether its chunk is handed over to gRPC (a pooled, full one) or copied (a small one).
func TestCodecEncodesChunksLikeProtobuf(t *testing.T) {
	for _, size := range []int{5, ChunkSize / 4, ChunkSize} {
		chunk := (*chunkPool.Get().(*[]byte))[:size]
		for i := range chunk {
			chunk[i] = byte(i)
		}
		msg := &storagepb.WriteObjectChunk{Part: &storagepb.WriteObjectChunk_Data{Data: chunk}}
		want, _ := proto.Marshal(msg)
		got, err := Codec.Marshal(msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Materialize(), want) {
			t.Errorf("%d bytes: the encoding differs from protobuf's", size)
		}
		if handedOver(chunk) != (len(got) == 2) {
			t.Errorf("%d bytes: handed over %v, but encoded in %d buffers", size, handedOver(chunk), len(got))
		}
		got.Free()
	}
}
