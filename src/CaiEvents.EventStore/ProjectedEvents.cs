using System.Reflection;
using JasperFx.Events.Projections;

namespace CaiEvents.EventStore;

/// <summary>
/// The event types an inline state projection folds: its start event plus the parameter of every one-argument
/// <c>With(TEvent)</c> fold on the state type (the states' <c>Evolve</c> switches dispatch to exactly those).
/// Declared so that Marten applies a projection only to the streams whose new events it folds: without the list,
/// every append ran all three projections, each loading a document its stream never has (two wasted queries per step).
/// </summary>
public static class ProjectedEvents
{
    public static IReadOnlyList<Type> Of(Type startEvent, Type state) =>
    [
        startEvent,
        .. state.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.Name == "With" && m.ReturnType == state && m.GetParameters().Length == 1)
            .Select(m => m.GetParameters()[0].ParameterType),
    ];

    public static void Include(IEventFilterable projection, Type startEvent, Type state)
    {
        ArgumentNullException.ThrowIfNull(projection);
        foreach (var type in Of(startEvent, state)) projection.IncludeType(type);
    }
}
