using System.Security.Cryptography;
using System.Text;
using CaiEvents.Models;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models;

public class SafeTensorsTests
{
    private static Dictionary<string, Tensor> SampleTensors()
    {
        var generator = new Generator(42);
        var f32 = randn([3, 5], generator: generator);
        return new Dictionary<string, Tensor>
        {
            ["z.f32"] = f32,
            ["a.f16"] = randn([4, 2, 3], generator: generator).to(ScalarType.Float16),
            ["m.bf16"] = randn([7], generator: generator).to(ScalarType.BFloat16),
            ["i64"] = tensor(new long[] { long.MinValue, -1, 0, 1, long.MaxValue }),
            ["i32"] = tensor(new[] { int.MinValue, 7, int.MaxValue }, [3, 1]),
            ["scalar"] = tensor(3.5f),
            ["empty"] = zeros([0, 4]),
        };
    }

    [Fact]
    public void Round_trip_is_bit_exact_for_every_dtype()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var tensors = SampleTensors();
        var path = dir.File("t.safetensors");

        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode ✓" });
        using var read = SafeTensors.Read(path);

        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), read.Tensors.Keys);
        foreach (var (name, original) in tensors)
        {
            var back = read.Tensors[name];
            Assert.Equal(original.dtype, back.dtype);
            Assert.Equal(original.shape, back.shape);
            Assert.Equal(original.contiguous().bytes.ToArray(), back.bytes.ToArray());
        }
        Assert.Equal("ünïcode ✓", read.Metadata["note"]);
    }

    [Fact]
    public void Same_tensors_give_identical_bytes_whatever_the_insertion_order()
    {
        using var scope = NewDisposeScope();
        var tensors = SampleTensors();
        var reversed = tensors.Reverse().ToDictionary();

        byte[] Bytes(IReadOnlyDictionary<string, Tensor> t)
        {
            using var stream = new MemoryStream();
            SafeTensors.Write(stream, t, new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
            return stream.ToArray();
        }

        var first = Bytes(tensors);
        Assert.Equal(first, Bytes(reversed));
        Assert.Equal(SHA256.HashData(first), SHA256.HashData(Bytes(SampleTensors())));
        // Layout: 8-byte length, then a JSON header padded to a multiple of 8 bytes.
        var headerLength = BitConverter.ToInt64(first, 0);
        Assert.Equal(0, headerLength % 8);
        var header = Encoding.UTF8.GetString(first, 8, (int)headerLength);
        Assert.StartsWith("{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\"},\"a.f16\":{\"dtype\":\"F16\",\"shape\":[4,2,3],\"data_offsets\":[0,48]}", header);
    }

    [Fact]
    public void Truncated_file_is_a_one_line_error_naming_file_and_tensor()
    {
        using var dir = new TempDir();
        var path = WriteSample(dir);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);

        var ex = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(path));

        AssertOneLine(ex, path);
        Assert.Contains("'z.f32'", ex.Message); // the last tensor in the file
        Assert.Contains("truncated", ex.Message);
        Assert.Equal("z.f32", ex.TensorName);
    }

    [Theory]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", "x", "needs 16 bytes")]
    [InlineData("{\"x\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,16]}}", "x", "unknown dtype 'Q4'")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,4]}}", "x", "out of order")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,32]}}", "x", "run past the end")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "x", "non-negative")]
    [InlineData("{\"x\":[1,2]}", "x", "needs a string 'dtype'")]
    [InlineData("not json", null, "not valid JSON")]
    public void Malformed_headers_are_one_line_errors(string header, string? tensor, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File("bad.safetensors");
        var json = Encoding.UTF8.GetBytes(header);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. new byte[16]]);

        var ex = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(path));

        AssertOneLine(ex, path);
        Assert.Contains(expected, ex.Message);
        Assert.Equal(tensor, ex.TensorName);
    }

    [Fact]
    public void Header_length_beyond_the_file_and_tiny_files_are_rejected()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(1000UL), .. "{}"u8]);
        var ex = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(path));
        AssertOneLine(ex, path);
        Assert.Contains("header length 1000 runs past the end of the file", ex.Message);

        File.WriteAllBytes(path, [1, 2, 3]);
        AssertOneLine(Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(path)), path);

        var missing = dir.File("missing.safetensors");
        AssertOneLine(Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(missing)), missing);
    }

    private static string WriteSample(TempDir dir)
    {
        using var scope = NewDisposeScope();
        var path = dir.File("sample.safetensors");
        SafeTensors.Write(path, SampleTensors());
        return path;
    }

    internal static void AssertOneLine(Exception ex, string path)
    {
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\r', ex.Message);
        Assert.Contains(path, ex.Message);
    }
}
