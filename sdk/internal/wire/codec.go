package wire

import (
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"

	catalogpb "github.com/basalt-dev/basalt/sdk/internal/pb/catalogv1"
	regionpb "github.com/basalt-dev/basalt/sdk/internal/pb/regionv1"
	storagepb "github.com/basalt-dev/basalt/sdk/internal/pb/storagev1"
)

// Codec is gRPC's protobuf codec with one shortcut: the data messages of streamed bodies are
// decoded straight into pooled chunk buffers. The generic decoder first gathers a message into
// one buffer, then copies its bytes field into a fresh allocation, and that fresh megabyte per
// chunk (page faults, then the collector returning it to the OS) cost more than the TLS
// encryption of the same bytes. The bytes on the wire are the same protobuf either way, so
// either end may use the plain codec.
//
// It also encodes the data messages it sends without copying their bytes: the chunks that
// sendBody fills are handed to gRPC, which writes them from where they are and gives them
// back to the chunk pool once written (see Marshal).
//
// Hosts and plugins install it with grpc.ForceCodecV2 and grpc.ForceServerCodecV2 rather
// than by registering it, which would replace the codec of every gRPC client in the process.
var Codec encoding.CodecV2 = chunkCodec{encoding.GetCodecV2(proto.Name)}

type chunkCodec struct{ encoding.CodecV2 }

// dataField is the number of the bytes field of every chunk message (oneof part { header = 1;
// bytes data = 2; }).
const dataField = 2

// Marshal encodes a data message as its tag and length followed by the chunk itself. The
// chunk becomes gRPC's: it may still be queued for writing after Send returns, so sendBody
// never reuses one it sent.
func (c chunkCodec) Marshal(v any) (mem.BufferSlice, error) {
	var data []byte
	switch m := v.(type) {
	case *storagepb.ReadObjectChunk:
		data = m.GetData()
	case *storagepb.WriteObjectChunk:
		data = m.GetData()
	case *catalogpb.ArchiveChunk:
		data = m.GetData()
	case *regionpb.InstallChunk:
		data = m.GetArchive()
	}
	if !handedOver(data) {
		return c.CodecV2.Marshal(v)
	}
	head := protowire.AppendVarint(protowire.AppendTag(nil, dataField, protowire.BytesType), uint64(len(data)))
	return mem.BufferSlice{mem.SliceBuffer(head), mem.NewBuffer(&data, chunkBuffers{})}, nil
}

func (c chunkCodec) Unmarshal(msg mem.BufferSlice, v any) error {
	var set func([]byte)
	switch m := v.(type) {
	case *storagepb.ReadObjectChunk:
		set = func(b []byte) { m.Part = &storagepb.ReadObjectChunk_Data{Data: b} }
	case *storagepb.WriteObjectChunk:
		set = func(b []byte) { m.Part = &storagepb.WriteObjectChunk_Data{Data: b} }
	case *catalogpb.ArchiveChunk:
		set = func(b []byte) { m.Part = &catalogpb.ArchiveChunk_Data{Data: b} }
	case *regionpb.InstallChunk:
		set = func(b []byte) { m.Part = &regionpb.InstallChunk_Archive{Archive: b} }
	}
	if set != nil {
		if data, ok := decodeData(msg); ok {
			set(data)
			return nil
		}
	}
	return c.CodecV2.Unmarshal(msg, v)
}

// decodeData returns a copy of the data of msg when msg is exactly one data field, which is
// how every body chunk is encoded; anything else (a header, unknown fields) goes to the
// generic decoder.
func decodeData(msg mem.BufferSlice) ([]byte, bool) {
	var head [1 + binaryMaxVarintLen]byte
	n := copyPrefix(head[:], msg)
	num, typ, tagLen := protowire.ConsumeTag(head[:n])
	if tagLen < 0 || num != dataField || typ != protowire.BytesType {
		return nil, false
	}
	size, sizeLen := protowire.ConsumeVarint(head[tagLen:n])
	if sizeLen < 0 || uint64(msg.Len()-tagLen-sizeLen) != size {
		return nil, false
	}
	data := newChunk(int(size))
	copySkipping(data, msg, tagLen+sizeLen)
	return data, true
}

// binaryMaxVarintLen is the longest varint (encoding/binary.MaxVarintLen64).
const binaryMaxVarintLen = 10

// copyPrefix copies the first bytes of msg into dst, as many as fit.
func copyPrefix(dst []byte, msg mem.BufferSlice) int {
	n := 0
	for _, b := range msg {
		n += copy(dst[n:], b.ReadOnlyData())
		if n == len(dst) {
			break
		}
	}
	return n
}

// copySkipping copies msg, less its first skip bytes, into dst.
func copySkipping(dst []byte, msg mem.BufferSlice, skip int) {
	for _, b := range msg {
		data := b.ReadOnlyData()
		if skip >= len(data) {
			skip -= len(data)
			continue
		}
		dst = dst[copy(dst, data[skip:]):]
		skip = 0
	}
}
