/** What playtest bots are called and what they say: enough variety to look like a lobby. */

const ADJECTIVES = [
  'Sneaky',
  'Brave',
  'Grumpy',
  'Swift',
  'Lucky',
  'Frosty',
  'Mighty',
  'Sleepy',
  'Shiny',
  'Wild',
  'Silent',
  'Rusty',
  'Cosmic',
  'Happy',
  'Iron',
  'Tiny',
];
const CREATURES = [
  'Goblin',
  'Paladin',
  'Wizard',
  'Ranger',
  'Slime',
  'Dragon',
  'Rogue',
  'Bard',
  'Golem',
  'Knight',
  'Druid',
  'Yeti',
  'Kraken',
  'Ogre',
  'Sprite',
  'Wyvern',
];
const LINES = [
  'anyone up for the raid tonight?',
  'LFG dungeon, need a healer',
  'gg everyone',
  'where do I turn in the wolf pelts?',
  'wts 20x iron ore, pm me',
  'that boss took forever lol',
  'brb getting snacks',
  'is the bridge event live yet?',
  'how do you unlock the second mount?',
  'the new map is huge 😮',
  'lag spike or is it just me?',
  'meet at the fountain in 5',
  'who took my loot 😤',
  'one more run and I sleep',
  'tank here, invite pls',
  'nice shot!',
  'does anyone know the puzzle in the crypt?',
  'guild recruiting, all levels welcome ⚔️',
  'ok ready',
  'wp wp',
];

function pick<T>(items: readonly T[], index: number): T {
  return items[((index % items.length) + items.length) % items.length] as T;
}

/** A display name for bot number `index`, such as `Sneaky Goblin 17`: distinct per index. */
export function botName(index: number): string {
  const adjective = pick(ADJECTIVES, index);
  const creature = pick(CREATURES, Math.floor(index / ADJECTIVES.length) + index);
  return `${adjective} ${creature} ${index}`;
}

export function randomLine(random: () => number = Math.random): string {
  return pick(LINES, Math.floor(random() * LINES.length));
}
