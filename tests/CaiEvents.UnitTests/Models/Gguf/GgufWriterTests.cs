using System.Buffers.Binary;
using System.Text;
using CaiEvents.Models;
using CaiEvents.Models.Gguf;

namespace CaiEvents.UnitTests.Models.Gguf;

public class GgufWriterTests
{
    private static readonly float[] Matrix = [.. Enumerable.Range(0, 15).Select(i => i * 0.5f - 3)];
    private static readonly float[] Vector = [0.5f, -1.25f, 3, 0, 1024, -0.125f, 2];
    private static readonly float[] Cube = [.. Enumerable.Range(0, 24).Select(i => (float)i)];

    private static void WriteSample(string path)
    {
        using var stream = File.Create(path);
        using var writer = new GgufWriter(stream);
        writer.AddMetadata("t.u8", GgufMetadataValue.UInt8(200));
        writer.AddMetadata("t.i8", GgufMetadataValue.Int8(-100));
        writer.AddMetadata("t.u16", GgufMetadataValue.UInt16(60000));
        writer.AddMetadata("t.i16", GgufMetadataValue.Int16(-30000));
        writer.AddMetadata("t.u32", GgufMetadataValue.UInt32(4_000_000_000));
        writer.AddMetadata("t.i32", GgufMetadataValue.Int32(-2_000_000_000));
        writer.AddMetadata("t.f32", GgufMetadataValue.Float32(1.5f));
        writer.AddMetadata("t.bool", GgufMetadataValue.Bool(true));
        writer.AddMetadata("t.string", GgufMetadataValue.String("héllo ✓"));
        writer.AddMetadata("t.u64", GgufMetadataValue.UInt64(ulong.MaxValue));
        writer.AddMetadata("t.i64", GgufMetadataValue.Int64(long.MinValue));
        writer.AddMetadata("t.f64", GgufMetadataValue.Float64(Math.PI));
        writer.AddMetadata("t.strings", GgufMetadataValue.Strings(["a", "", "Ġthe"]));
        writer.AddMetadata("t.ints", GgufMetadataValue.Int32s([1, -2, 3]));
        writer.AddMetadata("t.floats", GgufMetadataValue.Float32s([0.25f]));
        writer.AddMetadata("t.empty", GgufMetadataValue.Strings([]));
        writer.AddTensor("matrix", [3, 5], GgmlType.F32);
        writer.AddTensor("vector", [7], GgmlType.F16);
        writer.AddTensor("cube", [2, 3, 4], GgmlType.F32);
        writer.WriteHeader();
        writer.WriteTensorData(Matrix);
        writer.WriteTensorData(Vector);
        writer.WriteTensorData(Cube);
        writer.Finish();
    }

    [Fact]
    public void Metadata_of_every_type_and_tensors_round_trip()
    {
        using var dir = new TempDir();
        var path = dir.File("sample.gguf");
        WriteSample(path);

        var file = GgufReader.ReadHeader(path);

        Assert.Equal(3u, file.Version);
        Assert.Equal(32u, file.Alignment);
        var m = file.Metadata;
        Assert.Equal(GgufValueType.UInt32, m["general.alignment"].Type);
        Assert.Equal((byte)200, m["t.u8"].Value);
        Assert.Equal((sbyte)-100, m["t.i8"].Value);
        Assert.Equal((ushort)60000, m["t.u16"].Value);
        Assert.Equal((short)-30000, m["t.i16"].Value);
        Assert.Equal(4_000_000_000u, m["t.u32"].Value);
        Assert.Equal(-2_000_000_000, m["t.i32"].Value);
        Assert.Equal(1.5f, m["t.f32"].Value);
        Assert.Equal(true, m["t.bool"].Value);
        Assert.Equal("héllo ✓", m["t.string"].AsString());
        Assert.Equal(ulong.MaxValue, m["t.u64"].Value);
        Assert.Equal(long.MinValue, m["t.i64"].Value);
        Assert.Equal(Math.PI, m["t.f64"].Value);
        Assert.Equal(["a", "", "Ġthe"], m["t.strings"].AsArray<string>());
        Assert.Equal([1, -2, 3], m["t.ints"].AsArray<int>());
        Assert.Equal([0.25f], m["t.floats"].AsArray<float>());
        Assert.Empty(m["t.empty"].AsArray<string>());
        Assert.Equal(GgufValueType.String, m["t.empty"].ElementType);

        Assert.Equal(["matrix", "vector", "cube"], file.Tensors.Select(t => t.Name));
        Assert.Equal([5L, 3], file.Tensor("matrix").Dimensions); // ggml order: innermost first
        Assert.Equal([4L, 3, 2], file.Tensor("cube").Dimensions);
        Assert.Equal([2L, 3, 4], file.Tensor("cube").TorchShape);
        Assert.Equal(GgmlType.F16, file.Tensor("vector").Type);
        Assert.All(file.Tensors, t => Assert.Equal(0UL, t.Offset % 32));
        Assert.Equal(0, file.DataOffset % 32);
        Assert.Equal(Matrix, GgufReader.ReadTensor(path, file, file.Tensor("matrix")));
        Assert.Equal(Vector, GgufReader.ReadTensor(path, file, file.Tensor("vector"))); // all exactly representable in F16
        Assert.Equal(Cube, GgufReader.ReadTensor(path, file, file.Tensor("cube")));
    }

    [Fact]
    public void Bytes_follow_the_gguf_layout()
    {
        using var dir = new TempDir();
        var path = dir.File("sample.gguf");
        WriteSample(path);
        var bytes = File.ReadAllBytes(path);

        Assert.Equal("GGUF", Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(3UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8))); // tensors
        Assert.Equal(17UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16))); // 16 keys + general.alignment
        // First key: u64 length, "general.alignment", type 4 (uint32), value 32.
        Assert.Equal(17UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24)));
        Assert.Equal("general.alignment", Encoding.ASCII.GetString(bytes, 32, 17));
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(49)));
        Assert.Equal(32u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(53)));
        // The data section: matrix at 0 (60 bytes), vector at 64 (14 bytes, F16), cube at 96 (96 bytes) = 192 bytes.
        var dataStart = bytes.Length - 192;
        Assert.Equal(0, dataStart % 32);
        Assert.Equal(-3f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart)));
        Assert.Equal((Half)0.5f, BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(dataStart + 64)));
        Assert.Equal(23f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + 96 + 23 * 4)));
    }

    [Fact]
    public void Tensor_data_must_match_the_declared_tensors()
    {
        using var stream = new MemoryStream();
        using var writer = new GgufWriter(stream);
        writer.AddTensor("a", [2, 2], GgmlType.F32);
        writer.AddTensor("b", [3], GgmlType.F32);
        Assert.Throws<InvalidOperationException>(() => writer.WriteTensorData([1, 2, 3, 4]));
        writer.WriteHeader();
        Assert.Throws<ArgumentException>(() => writer.WriteTensorData([1, 2, 3]));
        writer.WriteTensorData([1, 2, 3, 4]);
        Assert.Throws<InvalidOperationException>(() => writer.Finish());
        Assert.Throws<InvalidOperationException>(() => writer.AddMetadata("late", GgufMetadataValue.Bool(true)));
    }

    [Fact]
    public void Reader_refuses_a_file_that_is_not_gguf()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("x.gguf"), Encoding.ASCII.GetBytes("NOPE and more bytes"));
        var e = Assert.Throws<CheckpointFormatException>(() => GgufReader.ReadHeader(dir.File("x.gguf")));
        Assert.Contains("not a GGUF file", e.Message);
    }
}
