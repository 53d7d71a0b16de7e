using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CaiEvents.Models.Demo;

/// <summary>
/// The hand-written material the demo corpus is built from: themes (red-team and helpful), shared templates
/// and per-principle critique openers. It lives in three embedded text files next to this class; see the
/// header of each for the line format. Loaded once and validated (every placeholder must resolve).
/// </summary>
internal sealed partial class ScenarioLibrary
{
    public static readonly string[] ResourceNames =
    [
        "CaiEvents.Models.Demo.scenarios-common.txt",
        "CaiEvents.Models.Demo.scenarios-redteam.txt",
        "CaiEvents.Models.Demo.scenarios-helpful.txt",
    ];

    private static readonly Lazy<ScenarioLibrary> Embedded = new(LoadEmbedded);

    public static ScenarioLibrary Default => Embedded.Value;

    public required IReadOnlyList<Theme> Themes { get; init; }
    public required IReadOnlyDictionary<string, string[]> Generic { get; init; }
    public required IReadOnlyDictionary<string, string[]> Openers { get; init; }
    public required IReadOnlyDictionary<string, string[]> UnhelpfulOpeners { get; init; }

    /// <summary>Lower-case hex sha256 over all scenario files, so any edit changes the recipe hash.</summary>
    public required string ContentHash { get; init; }

    public static readonly string[] RequiredGenericKinds =
    [
        "harmful", "harmless", "critique-harmful", "critique-fix", "critique-fine", "critique-helpful-fine",
        "refusal", "rude", "critique-unhelpful", "critique-unhelpful-fix",
    ];

    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9-]*)\}", RegexOptions.CultureInvariant)]
    internal static partial Regex Placeholder();

    private static ScenarioLibrary LoadEmbedded()
    {
        Assembly asm = typeof(ScenarioLibrary).Assembly;
        var files = new List<(string Name, string Text)>();
        foreach (string name in ResourceNames)
        {
            using Stream stream = asm.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"Embedded resource '{name}' is missing.");
            using var reader = new StreamReader(stream, new UTF8Encoding(false, true));
            files.Add((name, reader.ReadToEnd()));
        }
        return Parse(files);
    }

    internal static ScenarioLibrary Parse(IReadOnlyList<(string Name, string Text)> files)
    {
        var themes = new List<Theme>();
        var generic = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var openers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var unhelpfulOpeners = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        foreach (var (file, text) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\n" + text.Length + "\n" + text));
            ThemeBuilder? theme = null;
            string? genericKind = null;
            string? principle = null;
            int lineNo = 0;
            foreach (string raw in text.Split('\n'))
            {
                lineNo++;
                string line = raw.TrimEnd('\r').Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                string where = $"{file}:{lineNo}";

                if (line.StartsWith('@'))
                {
                    Finish();
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    switch (parts[0])
                    {
                        case "@theme" when parts.Length == 3 && parts[2] is "redteam" or "helpful":
                            if (themes.Any(t => t.Id == parts[1])) throw Bad(where, $"duplicate theme '{parts[1]}'");
                            theme = new ThemeBuilder(parts[1], parts[2] == "redteam", where);
                            break;
                        case "@generic" when parts.Length == 2:
                            genericKind = parts[1];
                            break;
                        case "@principle" when parts.Length == 2:
                            principle = parts[1];
                            break;
                        default:
                            throw Bad(where, "expected '@theme ID redteam|helpful', '@generic KIND' or '@principle ID'");
                    }
                    continue;
                }

                int colon = line.IndexOf(':');
                if (colon <= 0) throw Bad(where, "expected 'key: value'");
                string key = line[..colon].Trim();
                string value = line[(colon + 1)..].Trim();
                if (value.Length == 0) throw Bad(where, $"'{key}' has no value");

                if (theme is not null)
                {
                    theme.Add(key, value, where);
                }
                else if (genericKind is not null && key == "t")
                {
                    Add(generic, genericKind, value);
                }
                else if (principle is not null && key is "opener" or "opener-unhelpful")
                {
                    Add(key == "opener" ? openers : unhelpfulOpeners, principle, value);
                }
                else
                {
                    throw Bad(where, $"'{key}' is not expected here");
                }
            }
            Finish();

            void Finish()
            {
                if (theme is not null) themes.Add(theme.Build());
                theme = null;
                genericKind = null;
                principle = null;
            }
        }

        foreach (string kind in RequiredGenericKinds)
        {
            if (!generic.ContainsKey(kind)) throw new InvalidDataException($"Scenario files lack '@generic {kind}'.");
        }

        var lib = new ScenarioLibrary
        {
            Themes = themes,
            Generic = generic.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal),
            Openers = openers.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal),
            UnhelpfulOpeners = unhelpfulOpeners.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal),
            ContentHash = Convert.ToHexStringLower(hash.GetHashAndReset()),
        };
        lib.Validate();
        return lib;

        static void Add(Dictionary<string, List<string>> map, string key, string value)
        {
            if (!map.TryGetValue(key, out var list)) map[key] = list = [];
            list.Add(value);
        }
    }

    // Every template must only use placeholders it can fill.
    private void Validate()
    {
        string[] themeFields = ["task", "harm", "alt"];
        foreach (Theme t in Themes)
        {
            var known = t.Slots.Keys.ToHashSet(StringComparer.Ordinal);
            foreach (string s in new[] { t.Task, t.Harm, t.Alt }.Concat(t.Requests))
            {
                Check(s, known, t.Id);
            }
            var withFields = known.Concat(themeFields).ToHashSet(StringComparer.Ordinal);
            foreach (string s in t.Harmful.Concat(t.Harmless).Concat(t.CritiqueOfHarmful).Concat(t.CritiqueOfHarmless))
            {
                Check(s, withFields, t.Id);
            }
        }
        foreach (var (kind, list) in Generic)
        {
            foreach (string s in list) Check(s, themeFields.ToHashSet(StringComparer.Ordinal), "@generic " + kind);
        }

        static void Check(string template, HashSet<string> known, string where)
        {
            foreach (Match m in Placeholder().Matches(template))
            {
                string name = m.Groups[1].Value;
                string lower = char.ToLowerInvariant(name[0]) + name[1..];
                if (!known.Contains(lower))
                {
                    throw new InvalidDataException($"{where}: unknown placeholder {{{name}}} in \"{template}\"");
                }
            }
        }
    }

    private static InvalidDataException Bad(string where, string message) => new($"{where}: {message}");

    private sealed class ThemeBuilder(string id, bool redTeam, string where)
    {
        private readonly List<string> principles = [];
        private readonly Dictionary<string, string[]> slots = new(StringComparer.Ordinal);
        private readonly List<string> requests = [];
        private readonly List<string> harmful = [];
        private readonly List<string> harmless = [];
        private readonly List<string> critiques = [];
        private readonly List<string> fines = [];
        private bool genericAnswers = true;
        private string? task, harm, alt;

        public void Add(string key, string value, string at)
        {
            if (key.StartsWith("slot ", StringComparison.Ordinal))
            {
                string name = key[5..].Trim();
                string[] fillers = value.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (name.Length == 0 || !char.IsLower(name[0]) || fillers.Length == 0 || !slots.TryAdd(name, fillers))
                {
                    throw Bad(at, $"bad or duplicate slot '{name}'");
                }
                return;
            }
            switch (key)
            {
                case "principles": principles.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries)); break;
                case "task": task = value; break;
                case "harm": harm = value; break;
                case "alt": alt = value; break;
                case "request": requests.Add(value); break;
                case "harmful" when redTeam: harmful.Add(value); break;
                case "harmless" when redTeam: harmless.Add(value); break;
                case "answer" when !redTeam: harmless.Add(value); break;
                case "critique" when redTeam: critiques.Add(value); break;
                case "fine" when redTeam: fines.Add(value); break;
                case "generic-answers" when value is "yes" or "no": genericAnswers = value == "yes"; break;
                default: throw Bad(at, $"'{key}' is not a {(redTeam ? "red-team" : "helpful")} theme key");
            }
        }

        public Theme Build()
        {
            if (task is null) throw Bad(where, $"theme '{id}' has no task");
            if (redTeam && (harm is null || alt is null)) throw Bad(where, $"red-team theme '{id}' needs harm and alt");
            if (requests.Count < 2) throw Bad(where, $"theme '{id}' needs at least two requests (one is held out)");
            if (harmless.Count == 0) throw Bad(where, $"theme '{id}' needs at least one {(redTeam ? "harmless" : "answer")}");
            if (redTeam && !genericAnswers && harmful.Count == 0) throw Bad(where, $"theme '{id}' opts out of shared answers but has no harmful answer");
            return new Theme(id, redTeam, principles, slots, task, harm ?? "", alt ?? "", requests, harmful, harmless,
                genericAnswers, critiques, fines);
        }
    }
}
