import { Field, ObjectType, type ClassType } from 'type-graphql';
import { PageInfo } from './common.types.js';

/** How a connection's types describe their items, e.g. one "audit entry", shortly "entry"/"entries". */
export interface ConnectionWords {
  one: string;
  item: string;
  items: string;
}

/**
 * The cursor-paginated page of `node` (type-graphql's generic class pattern): declares
 * `<Node>Edge` and returns the fields every `<Node>Connection` has. Extend it with
 * `@ObjectType({ description }) class <Node>Connection extends Connection(Node, words) {}`,
 * adding fields of its own (a total) where needed.
 */
export function Connection<T extends object>(node: ClassType<T>, words: ConnectionWords) {
  @ObjectType(`${node.name}Edge`, { description: `One ${words.one} in a page.` })
  class Edge {
    @Field(() => String, { description: 'Opaque; pass as `after` to read what follows.' }) cursor!: string;
    @Field(() => node, { description: `The ${words.item}.` }) node!: T;
  }

  // Not in the schema itself: only the subclasses the resolvers return are.
  @ObjectType()
  abstract class Page {
    @Field(() => [Edge], { description: `The ${words.items} of this page.` }) edges!: Edge[];
    @Field(() => PageInfo, { description: 'Whether more follow, and from where.' }) pageInfo!: PageInfo;
  }
  return Page;
}
