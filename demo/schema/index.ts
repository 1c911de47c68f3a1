// The demo's resources: one definition per Prisma model served.
import comment from "./comment.ts";
import post from "./post.ts";
import tag from "./tag.ts";
import ticket from "./ticket.ts";
import ticketReply from "./ticket-reply.ts";
import user from "./user.ts";

export const resources = [user, post, comment, tag, ticket, ticketReply];
