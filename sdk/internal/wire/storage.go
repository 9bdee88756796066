package wire

import (
	"context"
	"fmt"
	"io"

	"google.golang.org/grpc"

	"github.com/basalt-dev/basalt/sdk"
	pb "github.com/basalt-dev/basalt/sdk/internal/pb/storagev1"
)

func toRef(r sdk.ObjectRef) *pb.ObjectRef { return &pb.ObjectRef{Bucket: r.Bucket, Key: r.Key} }

func fromRef(r *pb.ObjectRef) sdk.ObjectRef {
	return sdk.ObjectRef{Bucket: r.GetBucket(), Key: r.GetKey()}
}

func toObjectInfo(o sdk.ObjectInfo) *pb.ObjectInfo {
	return &pb.ObjectInfo{
		Ref: toRef(o.Ref), Size: o.Size, LastModified: toTimestamp(o.LastModified),
		Etag: o.ETag, ContentType: o.ContentType, Metadata: o.Metadata,
	}
}

func fromObjectInfo(o *pb.ObjectInfo) sdk.ObjectInfo {
	return sdk.ObjectInfo{
		Ref: fromRef(o.GetRef()), Size: o.GetSize(), LastModified: fromTimestamp(o.GetLastModified()),
		ETag: o.GetEtag(), ContentType: o.GetContentType(), Metadata: o.GetMetadata(),
	}
}

// ---- server ----

type storageServer struct {
	pb.UnimplementedStorageServer
	impl sdk.Storage
}

func registerStorage(s grpc.ServiceRegistrar, impl sdk.Storage) {
	pb.RegisterStorageServer(s, &storageServer{impl: impl})
}

func (s *storageServer) Home(ctx context.Context, req *pb.HomeRequest) (*pb.HomeResponse, error) {
	resp, err := s.impl.Home(ctx, sdk.HomeRequest{Caller: fromCaller(req.GetCaller()), Project: fromProject(req.GetProject())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.HomeResponse{Home: toRef(resp.Home)}, nil
}

func (s *storageServer) List(ctx context.Context, req *pb.ListObjectsRequest) (*pb.ListObjectsResponse, error) {
	resp, err := s.impl.List(ctx, sdk.ListObjectsRequest{
		Caller: fromCaller(req.GetCaller()), Prefix: fromRef(req.GetPrefix()), Recursive: req.GetRecursive(),
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ListObjectsResponse{
		Objects: mapSlice(resp.Objects, toObjectInfo), Folders: mapSlice(resp.Folders, toRef),
		NextPageToken: resp.NextPageToken,
	}, nil
}

func (s *storageServer) Stat(ctx context.Context, req *pb.StatObjectRequest) (*pb.StatObjectResponse, error) {
	resp, err := s.impl.Stat(ctx, sdk.StatObjectRequest{Caller: fromCaller(req.GetCaller()), Object: fromRef(req.GetObject())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.StatObjectResponse{Object: toObjectInfo(resp.Object)}, nil
}

func (s *storageServer) Read(req *pb.ReadObjectRequest, stream grpc.ServerStreamingServer[pb.ReadObjectChunk]) error {
	resp, err := s.impl.Read(stream.Context(), sdk.ReadObjectRequest{
		Caller: fromCaller(req.GetCaller()), Object: fromRef(req.GetObject()),
		Offset: req.GetOffset(), Length: req.GetLength(),
	})
	if err != nil {
		return toStatus(err)
	}
	defer resp.Body.Close()
	if err := stream.Send(&pb.ReadObjectChunk{Part: &pb.ReadObjectChunk_Info{Info: toObjectInfo(resp.Object)}}); err != nil {
		return err
	}
	msg := &pb.ReadObjectChunk{}
	data := &pb.ReadObjectChunk_Data{}
	msg.Part = data
	return toStatus(sendBody(resp.Body, func(b []byte) error {
		data.Data = b
		return stream.Send(msg)
	}))
}

func (s *storageServer) Write(stream grpc.ClientStreamingServer[pb.WriteObjectChunk, pb.WriteObjectResponse]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	h := first.GetHeader()
	if h == nil {
		return toStatus(sdk.Errorf(sdk.ErrInvalidArgument, "write: the first message must be the header"))
	}
	body := recvBody(stream.Recv, (*pb.WriteObjectChunk).GetData)
	resp, err := s.impl.Write(stream.Context(), sdk.WriteObjectRequest{
		Caller: fromCaller(h.GetCaller()), Object: fromRef(h.GetObject()), Size: h.GetSize(),
		ContentType: h.GetContentType(), Metadata: h.GetMetadata(), Body: body,
	})
	if err != nil {
		return toStatus(err)
	}
	return stream.SendAndClose(&pb.WriteObjectResponse{Object: toObjectInfo(resp.Object)})
}

func (s *storageServer) Delete(ctx context.Context, req *pb.DeleteObjectRequest) (*pb.DeleteObjectResponse, error) {
	resp, err := s.impl.Delete(ctx, sdk.DeleteObjectRequest{
		Caller: fromCaller(req.GetCaller()), Object: fromRef(req.GetObject()), Recursive: req.GetRecursive(),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.DeleteObjectResponse{Deleted: resp.Deleted}, nil
}

func (s *storageServer) Copy(ctx context.Context, req *pb.CopyObjectRequest) (*pb.CopyObjectResponse, error) {
	resp, err := s.impl.Copy(ctx, sdk.CopyObjectRequest{
		Caller: fromCaller(req.GetCaller()), Source: fromRef(req.GetSource()),
		Destination: fromRef(req.GetDestination()), RemoveSource: req.GetRemoveSource(),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.CopyObjectResponse{Object: toObjectInfo(resp.Object)}, nil
}

func (s *storageServer) Presign(ctx context.Context, req *pb.PresignRequest) (*pb.PresignResponse, error) {
	resp, err := s.impl.Presign(ctx, sdk.PresignRequest{
		Caller: fromCaller(req.GetCaller()), Object: fromRef(req.GetObject()),
		Method: req.GetMethod(), Expiry: fromDuration(req.GetExpiry()),
		ContentDisposition: req.GetContentDisposition(), ContentType: req.GetContentType(),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.PresignResponse{Url: resp.URL, ExpiresAt: toTimestamp(resp.ExpiresAt)}, nil
}

func (s *storageServer) SetPrefixPolicy(ctx context.Context, req *pb.SetPrefixPolicyRequest) (*pb.SetPrefixPolicyResponse, error) {
	_, err := s.impl.SetPrefixPolicy(ctx, sdk.SetPrefixPolicyRequest{
		Caller: fromCaller(req.GetCaller()), Prefix: fromRef(req.GetPrefix()), Public: req.GetPublic(),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.SetPrefixPolicyResponse{}, nil
}

func (s *storageServer) ListPublicPrefixes(ctx context.Context, req *pb.ListPublicPrefixesRequest) (*pb.ListPublicPrefixesResponse, error) {
	resp, err := s.impl.ListPublicPrefixes(ctx, sdk.ListPublicPrefixesRequest{Caller: fromCaller(req.GetCaller()), Bucket: req.GetBucket()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ListPublicPrefixesResponse{Prefixes: mapSlice(resp.Prefixes, toRef)}, nil
}

func (s *storageServer) Credentials(ctx context.Context, req *pb.CredentialsRequest) (*pb.CredentialsResponse, error) {
	resp, err := s.impl.Credentials(ctx, sdk.CredentialsRequest{
		Caller: fromCaller(req.GetCaller()), Project: fromProject(req.GetProject()), Duration: fromDuration(req.GetDuration()),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.CredentialsResponse{
		AccessKeyId: resp.AccessKeyID, SecretAccessKey: resp.SecretAccessKey, SessionToken: resp.SessionToken,
		Expiration: toTimestamp(resp.Expiration), Endpoint: resp.Endpoint, Region: resp.Region,
		PathStyle: resp.PathStyle, DefaultBucket: resp.DefaultBucket, DefaultPrefix: resp.DefaultPrefix,
	}, nil
}

// ---- client ----

type storageClient struct {
	baseClient
	client pb.StorageClient
}

func newStorageClient(conn grpc.ClientConnInterface) *storageClient {
	return &storageClient{baseClient: newBaseClient(conn), client: pb.NewStorageClient(conn)}
}

func (c *storageClient) Home(ctx context.Context, req sdk.HomeRequest) (sdk.HomeResponse, error) {
	resp, err := c.client.Home(ctx, &pb.HomeRequest{Caller: toCaller(req.Caller), Project: toProject(req.Project)})
	if err != nil {
		return sdk.HomeResponse{}, fromStatus(err)
	}
	return sdk.HomeResponse{Home: fromRef(resp.GetHome())}, nil
}

func (c *storageClient) List(ctx context.Context, req sdk.ListObjectsRequest) (sdk.ListObjectsResponse, error) {
	resp, err := c.client.List(ctx, &pb.ListObjectsRequest{
		Caller: toCaller(req.Caller), Prefix: toRef(req.Prefix), Recursive: req.Recursive,
		PageSize: int32(req.PageSize), PageToken: req.PageToken,
	})
	if err != nil {
		return sdk.ListObjectsResponse{}, fromStatus(err)
	}
	return sdk.ListObjectsResponse{
		Objects: mapSlice(resp.GetObjects(), fromObjectInfo), Folders: mapSlice(resp.GetFolders(), fromRef),
		NextPageToken: resp.GetNextPageToken(),
	}, nil
}

func (c *storageClient) Stat(ctx context.Context, req sdk.StatObjectRequest) (sdk.StatObjectResponse, error) {
	resp, err := c.client.Stat(ctx, &pb.StatObjectRequest{Caller: toCaller(req.Caller), Object: toRef(req.Object)})
	if err != nil {
		return sdk.StatObjectResponse{}, fromStatus(err)
	}
	return sdk.StatObjectResponse{Object: fromObjectInfo(resp.GetObject())}, nil
}

func (c *storageClient) Read(ctx context.Context, req sdk.ReadObjectRequest) (sdk.ReadObjectResponse, error) {
	ctx, cancel := context.WithCancel(ctx)
	stream, err := c.client.Read(ctx, &pb.ReadObjectRequest{
		Caller: toCaller(req.Caller), Object: toRef(req.Object), Offset: req.Offset, Length: req.Length,
	})
	if err != nil {
		cancel()
		return sdk.ReadObjectResponse{}, fromStatus(err)
	}
	first, err := stream.Recv()
	if err != nil {
		cancel()
		return sdk.ReadObjectResponse{}, fromStatus(err)
	}
	info := first.GetInfo()
	if info == nil {
		cancel()
		return sdk.ReadObjectResponse{}, fmt.Errorf("plugin: read: the first message is not the object's info")
	}
	body := bodyOf(cancel, stream.Recv, (*pb.ReadObjectChunk).GetData)
	return sdk.ReadObjectResponse{Object: fromObjectInfo(info), Body: body}, nil
}

func (c *storageClient) Write(ctx context.Context, req sdk.WriteObjectRequest) (sdk.WriteObjectResponse, error) {
	// Cancelling the stream is what tells the plugin to abort: a body that fails must not
	// end in a half-written object.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.Write(ctx)
	if err != nil {
		return sdk.WriteObjectResponse{}, fromStatus(err)
	}
	header := &pb.WriteObjectHeader{
		Caller: toCaller(req.Caller), Object: toRef(req.Object), Size: req.Size,
		ContentType: req.ContentType, Metadata: req.Metadata,
	}
	if err := stream.Send(&pb.WriteObjectChunk{Part: &pb.WriteObjectChunk_Header{Header: header}}); err != nil {
		return sdk.WriteObjectResponse{}, c.streamError(stream, err)
	}
	msg := &pb.WriteObjectChunk{}
	data := &pb.WriteObjectChunk_Data{}
	msg.Part = data
	var sendErr error
	bodyErr := sendBody(req.Body, func(b []byte) error {
		data.Data = b
		if err := stream.Send(msg); err != nil {
			sendErr = err
			return err
		}
		return nil
	})
	if sendErr != nil {
		return sdk.WriteObjectResponse{}, c.streamError(stream, sendErr)
	}
	if bodyErr != nil {
		cancel()
		return sdk.WriteObjectResponse{}, fmt.Errorf("write %s/%s: reading the body: %w", req.Object.Bucket, req.Object.Key, bodyErr)
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return sdk.WriteObjectResponse{}, fromStatus(err)
	}
	return sdk.WriteObjectResponse{Object: fromObjectInfo(resp.GetObject())}, nil
}

// streamError returns the server's own error when a send fails because the server ended the
// stream (gRPC then reports io.EOF on Send and the real status on Recv).
func (c *storageClient) streamError(stream grpc.ClientStreamingClient[pb.WriteObjectChunk, pb.WriteObjectResponse], err error) error {
	if err == io.EOF {
		_, err = stream.CloseAndRecv()
	}
	return fromStatus(err)
}

func (c *storageClient) Delete(ctx context.Context, req sdk.DeleteObjectRequest) (sdk.DeleteObjectResponse, error) {
	resp, err := c.client.Delete(ctx, &pb.DeleteObjectRequest{Caller: toCaller(req.Caller), Object: toRef(req.Object), Recursive: req.Recursive})
	if err != nil {
		return sdk.DeleteObjectResponse{}, fromStatus(err)
	}
	return sdk.DeleteObjectResponse{Deleted: resp.GetDeleted()}, nil
}

func (c *storageClient) Copy(ctx context.Context, req sdk.CopyObjectRequest) (sdk.CopyObjectResponse, error) {
	resp, err := c.client.Copy(ctx, &pb.CopyObjectRequest{
		Caller: toCaller(req.Caller), Source: toRef(req.Source), Destination: toRef(req.Destination),
		RemoveSource: req.RemoveSource,
	})
	if err != nil {
		return sdk.CopyObjectResponse{}, fromStatus(err)
	}
	return sdk.CopyObjectResponse{Object: fromObjectInfo(resp.GetObject())}, nil
}

func (c *storageClient) Presign(ctx context.Context, req sdk.PresignRequest) (sdk.PresignResponse, error) {
	resp, err := c.client.Presign(ctx, &pb.PresignRequest{
		Caller: toCaller(req.Caller), Object: toRef(req.Object), Method: req.Method, Expiry: toDuration(req.Expiry),
		ContentDisposition: req.ContentDisposition, ContentType: req.ContentType,
	})
	if err != nil {
		return sdk.PresignResponse{}, fromStatus(err)
	}
	return sdk.PresignResponse{URL: resp.GetUrl(), ExpiresAt: fromTimestamp(resp.GetExpiresAt())}, nil
}

func (c *storageClient) SetPrefixPolicy(ctx context.Context, req sdk.SetPrefixPolicyRequest) (sdk.SetPrefixPolicyResponse, error) {
	_, err := c.client.SetPrefixPolicy(ctx, &pb.SetPrefixPolicyRequest{Caller: toCaller(req.Caller), Prefix: toRef(req.Prefix), Public: req.Public})
	if err != nil {
		return sdk.SetPrefixPolicyResponse{}, fromStatus(err)
	}
	return sdk.SetPrefixPolicyResponse{}, nil
}

func (c *storageClient) ListPublicPrefixes(ctx context.Context, req sdk.ListPublicPrefixesRequest) (sdk.ListPublicPrefixesResponse, error) {
	resp, err := c.client.ListPublicPrefixes(ctx, &pb.ListPublicPrefixesRequest{Caller: toCaller(req.Caller), Bucket: req.Bucket})
	if err != nil {
		return sdk.ListPublicPrefixesResponse{}, fromStatus(err)
	}
	return sdk.ListPublicPrefixesResponse{Prefixes: mapSlice(resp.GetPrefixes(), fromRef)}, nil
}

func (c *storageClient) Credentials(ctx context.Context, req sdk.CredentialsRequest) (sdk.CredentialsResponse, error) {
	resp, err := c.client.Credentials(ctx, &pb.CredentialsRequest{
		Caller: toCaller(req.Caller), Project: toProject(req.Project), Duration: toDuration(req.Duration),
	})
	if err != nil {
		return sdk.CredentialsResponse{}, fromStatus(err)
	}
	return sdk.CredentialsResponse{
		AccessKeyID: resp.GetAccessKeyId(), SecretAccessKey: resp.GetSecretAccessKey(), SessionToken: resp.GetSessionToken(),
		Expiration: fromTimestamp(resp.GetExpiration()), Endpoint: resp.GetEndpoint(), Region: resp.GetRegion(),
		PathStyle: resp.GetPathStyle(), DefaultBucket: resp.GetDefaultBucket(), DefaultPrefix: resp.GetDefaultPrefix(),
	}, nil
}

var (
	_ sdk.Storage      = (*storageClient)(nil)
	_ pb.StorageServer = (*storageServer)(nil)
)
