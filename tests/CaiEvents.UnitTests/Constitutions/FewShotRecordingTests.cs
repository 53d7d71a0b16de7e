using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore.Audit;

namespace CaiEvents.UnitTests.Constitutions;

/// <summary>The few-shot field of the step events: left out of the stored JSON when null, shown by the audit when present.</summary>
public sealed class FewShotRecordingTests
{
    private static readonly Guid Sample = Guid.Parse("22222222-2222-2222-2222-222222222222");

    private static readonly Provenance Recorded =
        new(Sample, Sample, Guid.Empty, Guid.Empty, Sample, "t", "t-1", null, null, "c", "h", null, "sl-v1", null, null, DateTimeOffset.UnixEpoch);

    private static readonly FewShotUse Use = new("ex-one", "0123456789abcdef0123456789abcdef");

    [Fact]
    public void Zero_shot_events_serialise_without_the_field_and_few_shot_ones_carry_ids_and_hashes()
    {
        var critique = new CritiqueProduced(Sample, 1, "harm", "Find.", "prompt", "critique", Recorded);
        Assert.DoesNotContain("FewShot", JsonSerializer.Serialize(critique), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"FewShot\":[{\"Id\":\"ex-one\",\"ContentHash\":\"0123456789abcdef0123456789abcdef\"}]",
            JsonSerializer.Serialize(critique with { FewShot = [Use] }), StringComparison.Ordinal);
        var revision = new RevisionProduced(Sample, 1, "harm", "Fix.", "prompt", "raw", "clean", Recorded);
        Assert.DoesNotContain("FewShot", JsonSerializer.Serialize(revision), StringComparison.OrdinalIgnoreCase);
        var label = new PreferenceLabelled(Sample, Sample, Sample, Sample, LabelMode.Soft, [], 0.5, false, 0.4, 0.6, 0.5, "feedback-v1", Recorded);
        Assert.DoesNotContain("FewShot", JsonSerializer.Serialize(label), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_audit_names_the_examples_a_step_used_and_says_nothing_for_zero_shot_steps()
    {
        var critique = new CritiqueProduced(Sample, 1, "harm", "Find.", "prompt", "critique", Recorded);
        Assert.DoesNotContain(EventDescriptions.Describe(critique).Fields, f => f.Name == "few-shot");

        var field = Assert.Single(EventDescriptions.Describe(critique with { FewShot = [Use, Use with { Id = "ex-two" }] }).Fields,
            f => f.Name == "few-shot");
        Assert.Equal("ex-one (sha256:0123456789ab), ex-two (sha256:0123456789ab)", field.Value);
        var label = new PreferenceLabelled(Sample, Sample, Sample, Sample, LabelMode.Soft, [], 0.5, false, 0.4, 0.6, 0.5, "feedback-v1", Recorded, [Use]);
        Assert.Contains(EventDescriptions.Describe(label).Fields, f => f.Name == "few-shot" && f.Value.StartsWith("ex-one", StringComparison.Ordinal));
    }
}
