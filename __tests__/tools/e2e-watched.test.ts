import { alarmLines, unescapeXml } from '../../tools/e2e/watched-check';

describe('e2e watched: the alarm lines', () => {
  const topic = 'arn:aws:sns:eu-west-1:111111111111:x-events-ops';

  test('one ok line when every alarm exists and notifies the region\'s topic', () => {
    const found = new Map([
      ['a', [topic]],
      ['b', [topic]],
    ]);
    expect(alarmLines('test eu-west-1', ['a', 'b'], found, topic)).toEqual([{ ok: true, text: `test eu-west-1: 2/2 alarms exist and notify ${topic}` }]);
  });

  test('names the missing alarms and those that notify another topic or nothing', () => {
    const found = new Map([
      ['a', ['arn:aws:sns:us-east-1:111111111111:x-events-ops']],
      ['c', []],
    ]);
    expect(alarmLines('w', ['a', 'b', 'c'], found, topic)).toEqual([
      { ok: false, text: 'w: alarms missing: b' },
      { ok: false, text: `w: alarms not notifying ${topic}: a -> arn:aws:sns:us-east-1:111111111111:x-events-ops; c -> nothing` },
    ]);
  });

  test('reads a dashboard body out of its XML escapes', () => {
    expect(JSON.parse(unescapeXml('{&quot;widgets&quot;:[{&quot;t&quot;:&quot;a &amp; b &lt;c&gt;&quot;}]}'))).toEqual({ widgets: [{ t: 'a & b <c>' }] });
  });
});
