using System.Text.Json.Nodes;
using CaiEvents.Models;
using CaiEvents.Models.Lora;

namespace CaiEvents.UnitTests.Models.Lora;

public class PeftAdapterTests
{
    private static JsonObject Layout() => (JsonObject)JsonNode.Parse(File.ReadAllText(TestPaths.Fixture("peft-lora-layout.json")))!;

    /// <summary>A product like <c>3*n_embd</c> over config.json's numbers (head_dim defaults to hidden_size / num_attention_heads).</summary>
    private static long Evaluate(string expression, JsonObject config) => expression.Split('*').Aggregate(1L, (product, factor) =>
        product * (long.TryParse(factor, out var number) ? number
            : config[factor]?.GetValue<long>()
            ?? (factor == "head_dim" ? config["hidden_size"]!.GetValue<long>() / config["num_attention_heads"]!.GetValue<long>()
                : throw new InvalidOperationException(factor))));

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Saved_keys_shapes_and_config_follow_the_peft_layout_fixture(string family)
    {
        using var baseDir = new TempDir();
        using var adapterDir = new TempDir();
        LoraTestModels.Write(baseDir.Path, family);
        var (_, checkpoint) = LoraTestModels.Load(baseDir.Path);
        try
        {
            var adapters = LoraAdapters.Attach(checkpoint.Network, new LoraConfig(4, 16, 0.05, LoraConfig.DefaultTargets(checkpoint.Network)), 1);
            PeftAdapter.Save(adapters, adapterDir.Path, baseDir.Path);
        }
        finally
        {
            LoraTestModels.Dispose(checkpoint.Network);
        }

        var layout = Layout();
        var rules = (JsonObject)layout["families"]![family == RandomCheckpoints.Gpt2 ? "gpt2" : "llama"]!;
        var modelConfig = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(baseDir.Path, "config.json")))!;
        var layerCount = (modelConfig["n_layer"] ?? modelConfig["num_hidden_layers"])!.GetValue<int>();
        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (template, shape) in (JsonObject)rules["layers"]!)
        {
            long inFeatures = Evaluate(shape!["in"]!.GetValue<string>(), modelConfig), outFeatures = Evaluate(shape["out"]!.GetValue<string>(), modelConfig);
            for (var i = 0; i < layerCount; i++)
            {
                var path = "base_model.model." + template.Replace("{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
                expected[path + ".lora_A.weight"] = [4, inFeatures];
                expected[path + ".lora_B.weight"] = [outFeatures, 4];
            }
        }
        using var file = SafeTensors.Read(Path.Combine(adapterDir.Path, "adapter_model.safetensors"));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), file.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(rules["example_key"]!.GetValue<string>(), file.Tensors.Keys);
        foreach (var (key, shape) in expected)
        {
            Assert.Equal(shape, file.Tensors[key].shape);
        }

        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir.Path, "adapter_config.json")))!;
        foreach (var (field, value) in (JsonObject)layout["config"]!)
        {
            Assert.Equal(value!.ToJsonString(), config[field]!.ToJsonString());
        }
        Assert.Equal(rules["fan_in_fan_out"]!.GetValue<bool>(), config["fan_in_fan_out"]!.GetValue<bool>());
        Assert.Equal(4, config["r"]!.GetValue<int>());
        Assert.Equal(16, config["lora_alpha"]!.GetValue<int>());
        Assert.Equal(0.05, config["lora_dropout"]!.GetValue<double>());
        Assert.Equal(baseDir.Path, config["base_model_name_or_path"]!.GetValue<string>());
        var layerNames = ((JsonObject)rules["layers"]!).Select(p => p.Key[(p.Key.LastIndexOf('.') + 1)..]).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(layerNames, config["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void An_adapter_directory_loads_as_hf_with_its_base_and_records_both_hashes(string family)
    {
        using var root = new TempDir();
        var baseDir = Path.Combine(root.Path, "base");
        var adapterDir = Path.Combine(root.Path, "runs", "adapter");
        var baseSha = LoraTestModels.Write(baseDir, family);
        var (_, checkpoint) = LoraTestModels.Load(baseDir);
        float[] adapted;
        try
        {
            var adapters = LoraAdapters.Attach(checkpoint.Network, new LoraConfig(4, 8, 0, LoraConfig.DefaultTargets(checkpoint.Network)), 1);
            LoraTestModels.Perturb(adapters, 9);
            adapted = LoraTestModels.Logits(checkpoint.Network);
            PeftAdapter.Save(adapters, adapterDir, "../../base"); // relative to the adapter directory
        }
        finally
        {
            LoraTestModels.Dispose(checkpoint.Network);
        }

        using var model = LocalTextModel.Load("hf:" + adapterDir, adapterDir, ModelOptions.Cpu);
        var adapterSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            File.ReadAllBytes(Path.Combine(adapterDir, "adapter_model.safetensors"))));
        var combined = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(baseSha + adapterSha)));
        Assert.Equal(combined, model.Identity.CheckpointHash);
        Assert.Equal(baseSha, model.Identity.Adapter!.BaseCheckpointHash);
        Assert.Equal(adapterSha, model.Identity.Adapter.AdapterSha256);
        Assert.NotNull(model.Adapters);
        Assert.Equal(adapted, LoraTestModels.Logits(model.Network));
    }

    [Fact]
    public void A_missing_base_is_one_line_naming_the_config_field()
    {
        using var root = new TempDir();
        File.WriteAllText(root.File("adapter_config.json"),
            """{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj"], "base_model_name_or_path": "nowhere"}""");
        File.WriteAllBytes(root.File("adapter_model.safetensors"), [0]);
        var e = Assert.Throws<CheckpointFormatException>(() => LocalTextModel.Load("hf:" + root.Path, root.Path, ModelOptions.Cpu));
        Assert.Contains("base_model_name_or_path", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_non_lora_adapter_is_refused_naming_peft_type()
    {
        using var root = new TempDir();
        File.WriteAllText(root.File("adapter_config.json"), """{"peft_type": "IA3", "target_modules": ["q_proj"], "base_model_name_or_path": "x"}""");
        var e = Assert.Throws<CheckpointFormatException>(() => PeftAdapter.ReadConfig(root.Path));
        Assert.Contains("peft_type", e.Message, StringComparison.Ordinal);
    }
}
