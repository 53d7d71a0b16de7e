using System.Globalization;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>How busy the machine is, so that a benchmark's figures can be read against it.</summary>
public static class MachineLoad
{
    /// <summary>The 1-minute load average (from /proc/loadavg); null where it cannot be read.</summary>
    public static double? OneMinute()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
