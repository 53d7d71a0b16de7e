using CaiEvents.Models;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models;

public class SafeTensorsReaderTests
{
    private static string WriteSample(TempDir dir)
    {
        using var scope = NewDisposeScope();
        var path = dir.File("t.safetensors");
        SafeTensors.Write(path, new Dictionary<string, Tensor>
        {
            ["b.f32"] = tensor(new float[] { 1.5f, -2, 3.25f, 1e-3f }, [2, 2]),
            ["a.f16"] = tensor(new float[] { 0.1f, 65504f, -7 }).to(ScalarType.Float16),
            ["c.i64"] = tensor(new long[] { 5, 6 }),
        }, new Dictionary<string, string> { ["format"] = "pt" });
        return path;
    }

    [Fact]
    public void Lists_entries_in_file_order_without_reading_them_and_reads_each_as_the_whole_file_reader_does()
    {
        using var dir = new TempDir();
        var path = WriteSample(dir);
        using var whole = SafeTensors.Read(path);
        using var reader = SafeTensorsReader.Open(path);

        Assert.Equal(whole.Tensors.Keys, reader.Entries.Select(e => e.Name));
        Assert.Equal([ScalarType.Float16, ScalarType.Float32, ScalarType.Int64], reader.Entries.Select(e => e.DType));
        Assert.Equal([2L, 2L], reader.Entries[1].Shape);
        Assert.Equal("pt", reader.Metadata["format"]);
        foreach (var (name, expected) in whole.Tensors)
        {
            using var read = reader.Read(name);
            Assert.Equal(expected.dtype, read.dtype);
            Assert.True(read.eq(expected).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Reads_into_a_target_of_another_dtype_converting_as_copy_does()
    {
        using var dir = new TempDir();
        var path = WriteSample(dir);
        using var reader = SafeTensorsReader.Open(path);
        using var scope = NewDisposeScope();
        var same = zeros([2, 2]);
        var wider = zeros([3]);

        reader.ReadInto("b.f32", same);
        reader.ReadInto("a.f16", wider);

        Assert.Equal([1.5f, -2, 3.25f, 1e-3f], same.data<float>().ToArray());
        // float16 nearest to 0.1 is 0.0999755859375; 65504 is float16's largest finite value.
        Assert.Equal([0.0999755859375f, 65504f, -7f], wider.data<float>().ToArray());
    }

    [Fact]
    public void Unknown_names_and_shape_mismatches_name_file_and_tensor()
    {
        using var dir = new TempDir();
        var path = WriteSample(dir);
        using var reader = SafeTensorsReader.Open(path);
        using var target = zeros([4]);

        var unknown = Assert.Throws<CheckpointFormatException>(() => reader.Read("nope"));
        var shape = Assert.Throws<CheckpointFormatException>(() => reader.ReadInto("b.f32", target));

        Assert.Equal(("nope", path), (unknown.TensorName, unknown.Path));
        Assert.Contains("shape [2, 2] does not match the expected [4]", shape.Message, StringComparison.Ordinal);
        Assert.Throws<CheckpointFormatException>(() => SafeTensorsReader.Open(dir.File("missing.safetensors")));
    }
}
