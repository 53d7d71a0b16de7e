using CaiEvents.Contracts;
using CaiEvents.Domain;
using CaiEvents.Domain.Chat;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Models.Chat;

namespace CaiEvents.Workers.Common;

/// <summary>What every step of a run needs: its frozen configuration and the parsed constitution.</summary>
public sealed record RunContext(Guid RunId, RunConfiguration Configuration, ConstitutionSnapshot Snapshot, Constitution Constitution)
{
    /// <summary>
    /// Provenance of a step. When the step's model has a chat template, the prompt was rendered with it: provenance names
    /// the template (<see cref="ChatTemplate.ProvenanceName"/>) and the template version says so (<see cref="RoleDialogues.ChatVersion"/>).
    /// </summary>
    public Provenance Provenance<TItem>(TItem item, string stepName, Guid causationId, string role, WorkerIdentity worker,
        ModelIdentity? model, string? principleId, SamplingParameters? sampling, long? seed, TimeProvider clock, string? templateVersion = null,
        ChatTemplate? chatTemplate = null)
        where TItem : IItemState<TItem> =>
        new(RunId, item.Id, DeterministicIds.Step(item.Id, stepName), causationId, RunId, role, worker.Instance,
            model?.ModelId, model?.CheckpointHash, Snapshot.Id, Snapshot.ContentHash, principleId,
            TemplateVersion(templateVersion ?? Configuration.PromptTemplateVersion, chatTemplate), sampling, seed, clock.GetUtcNow(),
            chatTemplate?.ProvenanceName);

    /// <summary>The template version of a prompt rendered with <paramref name="chatTemplate"/> (or as plain text when null).</summary>
    public static string TemplateVersion(string templateVersion, ChatTemplate? chatTemplate) =>
        chatTemplate is null ? templateVersion : RoleDialogues.ChatVersion(templateVersion);

    /// <summary>What a sample needs next in this run (see <see cref="SlDecider.NextCommand"/>).</summary>
    public object? NextSlCommand(SampleState state) => SlDecider.NextCommand(state, Configuration.Revisions);

    /// <summary>Provenance of a step whose output came from a model call.</summary>
    public Provenance Provenance<TItem>(TItem item, string stepName, Guid causationId, string role, WorkerIdentity worker,
        StepGeneration generated, string? principleId, TimeProvider clock, string? templateVersion = null) where TItem : IItemState<TItem> =>
        Provenance(item, stepName, causationId, role, worker, generated.Model, principleId, generated.Sampling, generated.Seed, clock, templateVersion,
            generated.ChatTemplate);
}
