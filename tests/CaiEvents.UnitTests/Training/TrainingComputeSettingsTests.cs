using System.Text.Json;
using CaiEvents.Contracts.Events;
using CaiEvents.Workers.PMTrainer;
using CaiEvents.Workers.PPOLearner;

namespace CaiEvents.UnitTests.Training;

/// <summary>How <c>precision</c> and <c>grad_accum</c> travel in the jobs' hyper-parameters and what fp32 jobs keep as before.</summary>
public class TrainingComputeSettingsTests
{
    [Fact]
    public void Fp32_hyper_parameters_serialise_without_the_new_fields_and_bf16_ones_name_them()
    {
        var fp32 = new SftHyperParameters(1, 2, 1e-3, 0, 0.1, 0, 1, 128, 10, 3);
        Assert.DoesNotContain("Precision", JsonSerializer.Serialize(fp32));
        Assert.DoesNotContain("GradientAccumulation", JsonSerializer.Serialize(fp32));
        Assert.DoesNotContain("ActivationCheckpointing", JsonSerializer.Serialize(fp32));
        var bf16 = JsonSerializer.Serialize(fp32 with { Precision = "bf16", GradientAccumulation = 4 });
        Assert.Contains("\"Precision\":\"bf16\"", bf16);
        Assert.Contains("\"GradientAccumulation\":4", bf16);
    }

    [Fact]
    public void Preference_model_requests_parse_precision_and_accumulation_and_keep_their_job_ids_when_these_are_defaults()
    {
        var run = Guid.Parse("5b7f3c2e-0000-4000-8000-000000000001");
        var plain = new Dictionary<string, string> { ["epochs"] = "2" };
        var defaults = new Dictionary<string, string> { ["epochs"] = "2", ["precision"] = "fp32", ["grad_accum"] = "1" };
        var changed = new Dictionary<string, string> { ["epochs"] = "2", ["precision"] = "bf16", ["grad_accum"] = "4" };
        Assert.Equal(PreferenceModelRequest.JobId(run, 10, 1, plain), PreferenceModelRequest.JobId(run, 10, 1, defaults));
        Assert.NotEqual(PreferenceModelRequest.JobId(run, 10, 1, plain), PreferenceModelRequest.JobId(run, 10, 1, changed));
        var hp = PreferenceModelRequest.Parse(changed);
        Assert.Equal(("bf16", 4), (hp.Precision, hp.GradientAccumulation));
        Assert.Equal((null, null), (PreferenceModelRequest.Parse(defaults).Precision, PreferenceModelRequest.Parse(defaults).GradientAccumulation));
        Assert.Contains("fp16 training is not supported",
            Assert.Throws<ArgumentException>(() => PreferenceModelRequest.Parse(new Dictionary<string, string> { ["precision"] = "fp16" })).Message);
        Assert.Contains("'grad_accum' must be a whole number ≥ 1",
            Assert.Throws<ArgumentException>(() => PreferenceModelRequest.Parse(new Dictionary<string, string> { ["grad_accum"] = "0" })).Message);
    }

    [Fact]
    public void Ppo_requests_parse_precision_and_accumulation()
    {
        var hp = PpoCommandRequest.Parse(5, 1,
            new Dictionary<string, string> { ["precision"] = "bf16", ["grad_accum"] = "2", ["activation_checkpointing"] = "true" });
        Assert.Equal(("bf16", 2, true), (hp.Precision, hp.GradientAccumulation, hp.ActivationCheckpointing));
        var plain = PpoCommandRequest.Parse(5, 1, null);
        Assert.Equal((null, null, null), (plain.Precision, plain.GradientAccumulation, plain.ActivationCheckpointing));
        Assert.Contains("'activation_checkpointing' must be true or false",
            Assert.Throws<ArgumentException>(() => PpoCommandRequest.Parse(5, 1, new Dictionary<string, string> { ["activation_checkpointing"] = "yes" })).Message);
        Assert.Contains("unknown precision 'int4'",
            Assert.Throws<ArgumentException>(() => PpoCommandRequest.Parse(5, 1, new Dictionary<string, string> { ["precision"] = "int4" })).Message);
    }
}
