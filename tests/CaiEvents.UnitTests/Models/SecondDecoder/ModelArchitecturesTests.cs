using System.Text.Json.Nodes;
using CaiEvents.Models;

namespace CaiEvents.UnitTests.Models.SecondDecoder;

/// <summary>hf:DIR dispatches on config.json's model_type.</summary>
public class ModelArchitecturesTests
{
    [Fact]
    public void Gpt2_is_registered()
    {
        Assert.Contains("gpt2", ModelArchitectures.SupportedModelTypes);
        Assert.Same(Gpt2Architecture.Instance, ModelArchitectures.Find("gpt2"));
        Assert.Null(ModelArchitectures.Find("prefix-mean-test"));
    }

    [Fact]
    public void An_unknown_model_type_is_one_line_naming_the_file_the_value_and_the_supported_types()
    {
        using var dir = new TempDir();
        using (var model = LocalTextModelOverSecondDecoderTests.NewModel())
        {
            model.Save(dir.Path);
        }

        var e = Assert.Throws<CheckpointFormatException>(() => ModelCatalog.Load("hf:" + dir.Path, ModelOptions.Cpu));

        Assert.Contains(dir.File("config.json"), e.Message);
        Assert.Contains("'prefix-mean-test'", e.Message);
        Assert.Contains("supported: gpt2", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_gpt2_config_without_model_type_still_loads_as_gpt2()
    {
        using var dir = new TempDir();
        string hash;
        using (var model = Gpt2Architecture.CreateRandom("builtin:tiny", ModelTestData.TinyConfig(), Gpt2Tokenizer.ByteLevel(), ModelOptions.Cpu))
        {
            model.Save(dir.Path);
            hash = model.Identity.CheckpointHash;
        }
        var config = JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!.AsObject();
        Assert.True(config.Remove("model_type"));
        File.WriteAllText(dir.File("config.json"), config.ToJsonString());

        using var loaded = Assert.IsType<LocalTextModel>(ModelCatalog.Load("hf:" + dir.Path, ModelOptions.Cpu));

        Assert.Same(Gpt2Architecture.Instance, loaded.Architecture);
        Assert.IsType<Gpt2Model>(loaded.Network);
        Assert.Equal(hash, loaded.Identity.CheckpointHash);
    }

    [Fact]
    public void A_checkpoint_directory_has_a_weights_file_or_a_shard_index()
    {
        using var dir = new TempDir();
        Assert.False(LocalCheckpoint.Exists(dir.Path));
        File.WriteAllText(dir.File("model.safetensors.index.json"), "{}");
        Assert.True(LocalCheckpoint.Exists(dir.Path));
        File.Delete(dir.File("model.safetensors.index.json"));
        File.WriteAllText(dir.File("model.safetensors"), "");
        Assert.True(LocalCheckpoint.Exists(dir.Path));
    }
}
