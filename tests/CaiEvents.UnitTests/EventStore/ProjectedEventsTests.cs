using System.Runtime.CompilerServices;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;

namespace CaiEvents.UnitTests.EventStore;

/// <summary>
/// The inline projections fold only the event types they declare to Marten, so a type a state folds but the list lacks
/// would leave that state stale. The lists are read from the states' <c>With</c> folds; these tests hold them to the
/// states' <c>Evolve</c> switches: every other event type of the contracts must leave the state as it was.
/// </summary>
public class ProjectedEventsTests
{
    private static readonly Type[] ContractEvents = [.. typeof(PromptSubmitted).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(PromptSubmitted).Namespace && t is { IsClass: true, IsAbstract: false, IsGenericType: false })
        .Where(t => !t.Name.Contains('<', StringComparison.Ordinal))];

    [Fact]
    public void A_sample_folds_its_start_and_its_five_steps_and_retries()
    {
        AssertSameTypes(
            [typeof(PromptSubmitted), typeof(ResponseGenerated), typeof(CritiqueProduced), typeof(RevisionProduced), typeof(SlExampleFinalized),
                typeof(SampleStepFailed), typeof(SampleRetryRequested)],
            ProjectedEvents.Of(typeof(PromptSubmitted), typeof(SampleState)));
    }

    [Fact]
    public void A_comparison_folds_its_start_pair_label_failure_and_retry()
    {
        AssertSameTypes(
            [typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled), typeof(ComparisonStepFailed),
                typeof(ComparisonRetryRequested)],
            ProjectedEvents.Of(typeof(ComparisonSubmitted), typeof(ComparisonState)));
    }

    [Fact]
    public void A_run_folds_its_start_completion_and_retry_requests()
    {
        AssertSameTypes([typeof(RunStarted), typeof(RunCompleted), typeof(RunRetryRequested)],
            ProjectedEvents.Of(typeof(RunStarted), typeof(RunState)));
    }

    [Fact]
    public void Every_event_type_a_sample_does_not_declare_leaves_it_unchanged()
    {
        var declared = ProjectedEvents.Of(typeof(PromptSubmitted), typeof(SampleState)).ToHashSet();
        var state = new SampleState { Id = Guid.NewGuid(), RunId = Guid.NewGuid() };
        var others = ContractEvents.Where(t => !declared.Contains(t)).ToList();
        Assert.True(others.Count > 20, $"only {others.Count} other event types found");
        foreach (var type in others) Assert.Same(state, state.Evolve(RuntimeHelpers.GetUninitializedObject(type)));
    }

    [Fact]
    public void Every_event_type_a_comparison_does_not_declare_leaves_it_unchanged()
    {
        var declared = ProjectedEvents.Of(typeof(ComparisonSubmitted), typeof(ComparisonState)).ToHashSet();
        var state = new ComparisonState { Id = Guid.NewGuid(), RunId = Guid.NewGuid() };
        foreach (var type in ContractEvents.Where(t => !declared.Contains(t)))
            Assert.Same(state, state.Evolve(RuntimeHelpers.GetUninitializedObject(type)));
    }

    private static void AssertSameTypes(Type[] expected, IReadOnlyList<Type> actual) =>
        Assert.Equal(expected.Select(t => t.Name).Order(StringComparer.Ordinal), actual.Select(t => t.Name).Order(StringComparer.Ordinal));
}
