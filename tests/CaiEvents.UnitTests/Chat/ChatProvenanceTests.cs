using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore.Audit;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Workers.Common;

namespace CaiEvents.UnitTests.Chat;

public sealed class ChatProvenanceTests
{
    private static readonly Guid Run = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly Guid Sample = Guid.Parse("22222222-2222-2222-2222-222222222222");
    private static readonly SamplingParameters Sampling = new();
    private static readonly ModelIdentity Model = new("builtin:echo?chat-template=chatml", "abc");

    private static RunContext Context() => new(Run,
        new RunConfiguration(1, 7, "p.jsonl", "hash", "m", "m", "m", Sampling, Sampling, Sampling, PromptFormat.TemplateVersion),
        new ConstitutionSnapshot("c", 1, "0123456789abcdef0123", "c.yaml", "text"), ConstitutionLoader.LoadDefault());

    private static Provenance Recorded() =>
        new(Run, Sample, Guid.Empty, Guid.Empty, Run, "t", "t-1", null, null, "c", "h", null, "sl-v1", null, null, DateTimeOffset.UnixEpoch);

    private static SampleState State() => SampleState.Start(new PromptSubmitted(Sample, Run, 0, "p1", null, "Q?", "test", 1, Recorded()));

    [Fact]
    public void A_step_of_a_chat_model_records_the_template_and_a_chat_template_version()
    {
        var template = ChatTemplates.ByName("chatml");
        var generated = new StepGeneration("text", Sampling, 5, Model, template);
        var provenance = Context().Provenance(State(), StepNames.Response, Run, "generator", new WorkerIdentity("g-1"), generated, null, TimeProvider.System);
        Assert.Equal("chatml@" + template.Sha256[..16], provenance.ChatTemplate);
        Assert.Equal("sl-v1+chat", provenance.PromptTemplateVersion);

        var label = Context().Provenance(State(), "label", Run, "labeller", new WorkerIdentity("l-1"), Model, null, null, null, TimeProvider.System,
            "feedback-v1", template);
        Assert.Equal("feedback-v1+chat", label.PromptTemplateVersion);
    }

    [Fact]
    public void A_step_of_a_base_model_is_recorded_as_before_without_a_chat_template_field()
    {
        var generated = new StepGeneration("text", Sampling, 5, Model);
        var provenance = Context().Provenance(State(), StepNames.Response, Run, "generator", new WorkerIdentity("g-1"), generated, null, TimeProvider.System);
        Assert.Null(provenance.ChatTemplate);
        Assert.Equal("sl-v1", provenance.PromptTemplateVersion);
        // Stored events of base models keep their exact JSON: the null field is left out.
        Assert.DoesNotContain("chatTemplate", JsonSerializer.Serialize(provenance), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"ChatTemplate\":\"chatml@", JsonSerializer.Serialize(provenance with { ChatTemplate = "chatml@0123456789abcdef" }));
    }

    [Fact]
    public void The_audit_shows_the_rendered_prompt_of_chat_steps_only()
    {
        var plain = new ResponseGenerated(Sample, "Human: Q?\n\nAssistant:", "A.", Recorded());
        Assert.DoesNotContain(EventDescriptions.Describe(plain).Fields, f => f.Name.StartsWith("prompt", StringComparison.Ordinal));
        var chat = plain with { RenderedPrompt = "<|im_start|>user\nQ?<|im_end|>\n", Provenance = plain.Provenance with { ChatTemplate = "chatml@0123" } };
        var field = Assert.Single(EventDescriptions.Describe(chat).Fields, f => f.Name.StartsWith("prompt", StringComparison.Ordinal));
        Assert.Equal("prompt (chatml@0123)", field.Name);
        Assert.Equal(chat.RenderedPrompt, field.Value);
    }
}
