using System.Text.Json;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Models;
using CaiEvents.UnitTests.Models;
using CaiEvents.UnitTests.Models.Lora;
using CaiEvents.Workers.Common.Jobs;
using CaiEvents.Workers.SftTrainer;

namespace CaiEvents.UnitTests.Training;

/// <summary>How LoRA settings travel in an SFT job's hyper-parameters and how bad ones are refused.</summary>
public class LoraJobSettingsTests
{
    private static readonly SftHyperParameters Full = new(1, 2, 1e-3, 0, 0.1, 0, 1, 128, 10, 3);

    [Fact]
    public void Full_fine_tuning_serialises_without_lora_and_lora_settings_round_trip_by_value()
    {
        Assert.DoesNotContain("Lora", JsonSerializer.Serialize(Full), StringComparison.Ordinal);
        var lora = Full with { Lora = new LoraHyperParameters(8, 16, 0.05, "q_proj,v_proj") };
        var json = JsonSerializer.Serialize(lora);
        Assert.Contains("\"Lora\":{\"Rank\":8,\"Alpha\":16,\"Dropout\":0.05,\"TargetModules\":\"q_proj,v_proj\"}", json, StringComparison.Ordinal);
        Assert.Equal(lora, JsonSerializer.Deserialize<SftHyperParameters>(json));
    }

    [Fact]
    public void A_job_started_with_other_lora_settings_is_not_resumed()
    {
        var run = Guid.Parse("5b7f3c2e-0000-4000-8000-000000000002");
        var hp = Full with { Lora = new LoraHyperParameters(8, 16, 0) };
        var started = new PolicyTrainingStarted(SftJob.JobId(run, "/tmp/out"), SftJob.Kind, run, "builtin:tiny", "abc", 1, "h", 2, 2, hp, "/tmp/out",
            "test", DateTimeOffset.UnixEpoch);
        SftJob.CheckResumable([started], new SftRequest(run, "builtin:tiny", "/tmp/out", null, Full with { Lora = new LoraHyperParameters(8, 16, 0) }));
        var e = Assert.Throws<InputException>(() => SftJob.CheckResumable([started], new SftRequest(run, "builtin:tiny", "/tmp/out", null, Full)));
        Assert.StartsWith("--out:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 16, 0, null, "--lora-rank")]
    [InlineData(4, 0, 0, null, "--lora-alpha")]
    [InlineData(4, 16, 1, null, "--lora-dropout")]
    [InlineData(4, 16, 0, "q_proj,nope", "--lora-targets")]
    public void Bad_lora_settings_are_one_line_naming_their_option(int rank, double alpha, double dropout, string? targets, string option)
    {
        using var dir = new TempDir();
        LoraTestModels.Write(dir.Path, "llama");
        using var model = LocalTextModel.Load("hf:" + dir.Path, dir.Path, ModelOptions.Cpu);
        var e = Assert.Throws<InputException>(() => LoraTraining.Check(new LoraHyperParameters(rank, alpha, dropout, targets), model.Network));
        Assert.StartsWith(option + ":", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Targets_default_to_every_linear_layer_of_the_family()
    {
        using var dir = new TempDir();
        LoraTestModels.Write(dir.Path, RandomCheckpoints.Gpt2);
        using var model = LocalTextModel.Load("hf:" + dir.Path, dir.Path, ModelOptions.Cpu);
        Assert.Equal(["c_attn", "c_proj", "c_fc"], LoraTraining.Config(new LoraHyperParameters(4, 8, 0), model.Network).TargetModules);
        Assert.Equal(["c_attn"], LoraTraining.Config(new LoraHyperParameters(4, 8, 0, " c_attn "), model.Network).TargetModules);
    }
}
